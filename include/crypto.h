/* Hashes and MACs through OpenSSL (the only file that uses it). */
#ifndef RELCTL_CRYPTO_H
#define RELCTL_CRYPTO_H

#include <stddef.h>

/* SHA-256 of data as 64 hex digits and a NUL. */
int sha256_hex(const void *data, size_t len, char out[65]);

#endif
