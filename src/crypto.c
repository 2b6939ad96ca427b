/* SHA-256 and HMAC with OpenSSL's EVP interfaces. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"

#include "crypto.h"

static void to_hex(const unsigned char *md, unsigned n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = '\0';
}

int sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return -1;
	to_hex(md, n, out);
	return 0;
}

struct sha256_stream *sha256_begin(void)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		ctx = NULL;
	}
	return (struct sha256_stream *)ctx;
}

void sha256_add(struct sha256_stream *s, const void *data, size_t len)
{
	if (s)
		EVP_DigestUpdate((EVP_MD_CTX *)s, data, len);
}

int sha256_end(struct sha256_stream *s, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int ok = s && EVP_DigestFinal_ex((EVP_MD_CTX *)s, md, &n) == 1 && n == 32;

	EVP_MD_CTX_free((EVP_MD_CTX *)s);
	if (!ok)
		return -1;
	to_hex(md, n, out);
	return 0;
}

int git_blob_id(const void *data, size_t len, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char header[32];
	int header_len = snprintf(header, sizeof(header), "blob %zu", len);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
		 EVP_DigestUpdate(ctx, header, (size_t)header_len + 1) == 1 && EVP_DigestUpdate(ctx, data, len) == 1 &&
		 EVP_DigestFinal_ex(ctx, md, &n) == 1 && n == 20;

	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	to_hex(md, n, out);
	return 0;
}

int hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, unsigned char out[32])
{
	size_t n = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len, data, len, out, 32, &n) == NULL || n != 32)
		return -1;
	return 0;
}

char *base64_encode(const unsigned char *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

unsigned char *base64_decode(const char *text, size_t *len)
{
	size_t n = strlen(text), pad = 0;
	unsigned char *out;
	int got;

	if (n == 0 || n % 4 != 0)
		return NULL;
	out = xmalloc(n / 4 * 3 + 1);
	got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
	if (got < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (text[n - 1] == '=')
		pad++;
	if (text[n - 2] == '=')
		pad++;
	*len = (size_t)got - pad;
	return out;
}
