#!/bin/sh
# make-ca.sh DIR: a throwaway CA (DIR/ca.pem) and a certificate for
# 127.0.0.1 it signed (DIR/server.pem, DIR/server.key), valid two days; for
# the tests' TLS servers and the demo's mail server.  Needs only openssl.
set -e
mkdir -p "$1"
cd "$1"
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=relctl test CA" -keyout ca.key -out ca.pem \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=127.0.0.1" -keyout server.key -out server.csr
	# DNS:127.0.0.1 too: mbedTLS (libgit2's TLS here) matches only DNS names.
	printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:127.0.0.1" "basicConstraints=CA:FALSE" \
		"keyUsage=digitalSignature" "extendedKeyUsage=serverAuth" >server.ext
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile server.ext -out server.pem
} >/dev/null 2>&1
