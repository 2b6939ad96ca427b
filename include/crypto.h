/* Hashes and MACs through OpenSSL (which only this and sshsig.c, checking signatures, use). */
#ifndef RELCTL_CRYPTO_H
#define RELCTL_CRYPTO_H

#include <stddef.h>

/* SHA-256 of data as 64 hex digits and a NUL. */
int sha256_hex(const void *data, size_t len, char out[65]);

/*
 * SHA-256 of data that comes in pieces (a command's output): begin, add
 * each piece, end with the 64 hex digits (which frees it).  NULL from
 * sha256_begin only when OpenSSL cannot start one.
 */
struct sha256_stream;
struct sha256_stream *sha256_begin(void);
void sha256_add(struct sha256_stream *s, const void *data, size_t len);
int sha256_end(struct sha256_stream *s, char out[65]);

/* The id git gives a blob of data (SHA-1 of "blob LEN\0" and data), as 40 hex digits and a NUL. */
int git_blob_id(const void *data, size_t len, char out[41]);

/* HMAC-SHA256 of data with key into out[32]. */
int hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, unsigned char out[32]);

/* Base64 (standard alphabet, padded); caller frees. */
char *base64_encode(const unsigned char *data, size_t len);

/* Decodes base64 into a new buffer; NULL when it is not base64. */
unsigned char *base64_decode(const char *text, size_t *len);

#endif
