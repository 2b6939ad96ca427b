#!/usr/bin/env python3
"""The cases of the differential test (60-sshsig-differential.bats).

Given a directory where ssh-keygen made keys (KIND and KIND-other, with
.pub files), messages (msg-N) and signatures (KIND-msg-N.sig in namespace
git, KIND-msg-N.file.sig in namespace "file"), writes variants of those
signatures next to them and prints one case a line:

    NAME SIGNATURE MESSAGE NAMESPACE PUBLIC_KEY

good ones, and the same signatures corrupted (random bytes of the blob or
of the armoured text), truncated, in the wrong namespace, checked against
the wrong key or the wrong payload, plus hand-made edge cases of the
format (version 0, a NUL ending a string, white space in the base64, a
non-canonical mpint, stray bits in the last base64 character, ...) and
RSA signatures ssh-keygen cannot make itself (rsa-sha2-256 and the SHA-1
ssh-rsa), signed by openssl.  Every case also gets an allowed-signers file
(PUBLIC_KEY.allowed) naming test@example.com.  SEED picks the random
corruptions (default 60).
"""
import base64
import glob
import hashlib
import os
import random
import struct
import subprocess
import sys

BEGIN = b"-----BEGIN SSH SIGNATURE-----\n"
END = b"-----END SSH SIGNATURE-----\n"
ED25519_ORDER = 2**252 + 27742317777372353535851937790883648493


def string(b):
    return struct.pack(">I", len(b)) + b


def read_strings(b, count):
    """The first count strings of b, and what follows them."""
    out = []
    for _ in range(count):
        n = struct.unpack(">I", b[:4])[0]
        out.append(b[4:4 + n])
        b = b[4 + n:]
    return out, b


def armour(blob, width=70):
    text = base64.b64encode(blob)
    lines = [text[i:i + width] for i in range(0, len(text), width)]
    return BEGIN + b"\n".join(lines) + b"\n" + END


def dearmour(text):
    body = text[len(BEGIN):text.index(b"\n" + END.rstrip(b"\n"))]
    return base64.b64decode(b"".join(body.split()))


def fields(blob):
    """key, namespace, reserved, hash, signature of a blob (after MAGIC and version)."""
    (key, ns, reserved, hashalg, sig), rest = read_strings(blob[10:], 5)
    assert rest == b""
    return [key, ns, reserved, hashalg, sig]


def assemble(f, version=1, magic=b"SSHSIG"):
    return magic + struct.pack(">I", version) + b"".join(string(x) for x in f)


class Cases:
    def __init__(self, directory, seed):
        self.dir = directory
        self.rng = random.Random(seed)
        self.lines = []

    def add(self, name, sig_text, message, key, namespace="git"):
        path = os.path.join(self.dir, "case-%d.sig" % len(self.lines))
        with open(path, "wb") as f:
            f.write(sig_text)
        self.lines.append("%s %s %s %s %s" % (name, path, message, namespace, key))

    def corrupt_blob(self, blob):
        b = bytearray(blob)
        i = self.rng.randrange(len(b))
        b[i] ^= 1 << self.rng.randrange(8) if self.rng.random() < 0.5 else self.rng.randrange(1, 256)
        return bytes(b)

    def corrupt_text(self, text):
        b = bytearray(text)
        i = self.rng.randrange(len(b))
        b[i] = self.rng.choice(b"ABCXYZabcxyz0189+/= \n-\0\x80")
        return bytes(b)


def rsa_signature(directory, key_file, blob_fields, message, digest, algorithm):
    """A signature blob over the SSHSIG data of message, made by openssl with the RSA key in PEM."""
    hashalg = blob_fields[3]
    h = hashlib.new(hashalg.decode(), message).digest()
    data = b"SSHSIG" + string(b"git") + string(b"") + string(hashalg) + string(h)
    raw = subprocess.run(["openssl", "dgst", "-" + digest, "-sign", key_file], input=data,
                         stdout=subprocess.PIPE, check=True).stdout
    return string(algorithm) + string(raw)


def edge_cases(cases, kind, sig_path, message, pub, blob):
    f = fields(blob)
    key, ns, reserved, hashalg, sig = f
    edges = {
        "version-0": assemble(f, version=0),
        "version-2": assemble(f, version=2),
        "reserved-not-empty": assemble([key, ns, b"x", hashalg, sig]),
        "namespace-ending-in-nul": assemble([key, ns + b"\0", reserved, hashalg, sig]),
        "namespace-with-nul-inside": assemble([key, b"gi\0t", reserved, hashalg, sig]),
        "hash-ending-in-nul": assemble([key, ns, reserved, hashalg + b"\0", sig]),
        "hash-sha384": assemble([key, ns, reserved, b"sha384", sig]),
        "hash-SHA512-upper-case": assemble([key, ns, reserved, hashalg.upper(), sig]),
        "trailing-data": assemble(f) + b"\0",
        "key-trailing-data": assemble([key + b"\0", ns, reserved, hashalg, sig]),
        "signature-trailing-data": assemble([key, ns, reserved, hashalg, sig + b"\0"]),
        "key-type-ending-in-nul": assemble([string(read_strings(key, 1)[0][0] + b"\0") + read_strings(key, 1)[1],
                                            ns, reserved, hashalg, sig]),
        "signature-type-ending-in-nul": assemble([key, ns, reserved, hashalg,
                                                  string(read_strings(sig, 1)[0][0] + b"\0") + read_strings(sig, 1)[1]]),
        "magic-lower-case": assemble(f, magic=b"sshsig"),
        "length-overflow": assemble(f)[:10] + b"\xff\xff\xff\xff" + assemble(f)[14:],
    }
    keytype = read_strings(key, 1)[0][0]
    if keytype == b"ssh-rsa":
        (_, e, n), _ = read_strings(key, 3)
        edges["rsa-e-with-leading-zero"] = assemble([string(b"ssh-rsa") + string(b"\0" + e) + string(n),
                                                     ns, reserved, hashalg, sig])
        edges["rsa-short-name"] = assemble([string(b"RSA") + string(e) + string(n), ns, reserved, hashalg, sig])
    if keytype.startswith(b"ecdsa-"):
        (algorithm, inner), _ = read_strings(sig, 2)
        (r, s), _ = read_strings(inner, 2)
        edges["ecdsa-r-with-extra-zero"] = assemble([key, ns, reserved, hashalg,
                                                     string(algorithm) + string(string(b"\0" + r) + string(s))])
        edges["ecdsa-r-negative"] = assemble([key, ns, reserved, hashalg,
                                              string(algorithm) + string(string(b"\x80" + r) + string(s))])
        edges["ecdsa-s-zero"] = assemble([key, ns, reserved, hashalg,
                                          string(algorithm) + string(string(r) + string(b""))])
    if keytype == b"ssh-ed25519":
        (algorithm, raw), _ = read_strings(sig, 2)
        s = int.from_bytes(raw[32:], "little")
        # ref10 reduces s modulo the order, OpenSSL refuses s >= order: ssh-keygen decides.
        if s + ED25519_ORDER < 2**253:
            edges["ed25519-s-plus-order"] = assemble([key, ns, reserved, hashalg, string(algorithm) + string(
                raw[:32] + (s + ED25519_ORDER).to_bytes(32, "little"))])
        edges["ed25519-s-high-bits"] = assemble([key, ns, reserved, hashalg, string(algorithm) + string(
            raw[:63] + bytes([raw[63] | 0xe0]))])
        edges["ed25519-short"] = assemble([key, ns, reserved, hashalg, string(algorithm) + string(raw[:63])])
    for name, b in edges.items():
        cases.add("%s-%s" % (kind, name), armour(b), message, pub)
    text = armour(blob)
    b64 = base64.b64encode(blob)
    texts = {
        "one-line": armour(blob, width=len(b64)),
        "spaces-and-tabs": BEGIN + b" \t".join(b64[i:i + 9] for i in range(0, len(b64), 9)) + b"\r\n" + END,
        "after-footer": text + b"anything at all\n",
        "no-final-newline": text.rstrip(b"\n"),
        "crlf-header": text.replace(b"-----\n", b"-----\r\n", 1),
        "nul-ending-body": text.replace(b"\n-----END", b"\0\n-----END"),
        "nul-inside-body": text.replace(b"\n", b"\0\n", 2).replace(b"\0\n", b"\n", 1),
        "leading-space": b" " + text,
        "unpadded": BEGIN + b64.rstrip(b"=") + b"\n" + END,
        "padding-then-data": BEGIN + b64 + b"QQ==\n" + END,
        "empty-body": BEGIN + b"\n" + END,
        "no-body": BEGIN + END,
    }
    if b64.endswith(b"="):
        data = b64.rstrip(b"=")
        alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        stray = alphabet[alphabet.index(data[-1:]) | 1:][:1]
        texts["stray-bits"] = BEGIN + data[:-1] + stray + b64[len(data):] + b"\n" + END
        texts["space-between-padding"] = BEGIN + data + b" = =\n" + END if b64.endswith(b"==") else \
            BEGIN + data + b"= \n" + END
    for name, t in texts.items():
        cases.add("%s-%s" % (kind, name), t, message, pub)


def main():
    directory = sys.argv[1]
    cases = Cases(directory, int(os.environ.get("SEED", "60")))
    pubs = sorted(glob.glob(os.path.join(directory, "*.pub")))
    for pub in pubs:
        with open(pub) as f:
            keytype, b64 = f.read().split()[:2]
        with open(pub + ".allowed", "w") as f:
            f.write('test@example.com namespaces="git" %s %s\n' % (keytype, b64))
    messages = sorted(glob.glob(os.path.join(directory, "msg-*")))
    kinds = sorted(os.path.basename(p)[:-4] for p in pubs if "-other" not in p)
    for kind in kinds:
        pub = os.path.join(directory, kind + ".pub")
        other = os.path.join(directory, kind + "-other.pub")
        stranger = os.path.join(directory, kinds[(kinds.index(kind) + 1) % len(kinds)] + ".pub")
        signatures = []
        for m, message in enumerate(messages):
            sig_path = "%s/%s-%s.sig" % (directory, kind, os.path.basename(message))
            with open(sig_path, "rb") as f:
                text = f.read()
            blob = dearmour(text)
            signatures.append((sig_path, text, blob, message))
            wrong_message = messages[(m + 1) % len(messages)]
            cases.add(kind + "-good", text, message, pub)
            cases.add(kind + "-wrong-payload", text, wrong_message, pub)
            cases.add(kind + "-wrong-key", text, message, other)
            cases.add(kind + "-wrong-key-type", text, message, stranger)
            cases.add(kind + "-wrong-namespace-asked", text, message, pub, namespace="file")
            with open(sig_path[:-4] + ".file.sig", "rb") as f:
                cases.add(kind + "-wrong-namespace", f.read(), message, pub)
            for _ in range(4):
                cases.add(kind + "-corrupt-blob", armour(cases.corrupt_blob(blob)), message, pub)
            for _ in range(2):
                cases.add(kind + "-corrupt-text", cases.corrupt_text(text), message, pub)
            for _ in range(2):
                cases.add(kind + "-truncated-blob", armour(blob[:cases.rng.randrange(len(blob))]), message, pub)
            cases.add(kind + "-truncated-text", text[:cases.rng.randrange(len(text))], message, pub)
            if kind.startswith("rsa"):
                f = fields(blob)
                for digest, algorithm in (("sha256", b"rsa-sha2-256"), ("sha1", b"ssh-rsa")):
                    f2 = f[:4] + [rsa_signature(directory, os.path.join(directory, kind), f, open(message, "rb").read(),
                                                digest, algorithm)]
                    b2 = assemble(f2)
                    cases.add("%s-%s" % (kind, algorithm.decode()), armour(b2), message, pub)
                    cases.add("%s-%s-wrong-payload" % (kind, algorithm.decode()), armour(b2), wrong_message, pub)
                    cases.add("%s-%s-corrupt-blob" % (kind, algorithm.decode()), armour(cases.corrupt_blob(b2)),
                              message, pub)
        sig_path, text, blob, message = signatures[1]
        edge_cases(cases, kind, sig_path, message, pub, blob)
    print("\n".join(cases.lines))


if __name__ == "__main__":
    main()
