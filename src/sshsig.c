/*
 * SSHSIG verification in-process (see include/sshsig.h): the armour and
 * base64 as OpenSSH's sshsig_dearmor and b64_pton read them, the blob with
 * a length-checked reader in the shape of sshbuf's getters (strings, C
 * strings that may end in one NUL, mpints), the public key as sshkey.c's
 * deserializers take it, and the signature through OpenSSL's EVP: no
 * cryptography is written here, only the framing around it.  The rules
 * follow OpenSSH 9.2p1 (sshsig.c, sshbuf-getput-*.c, ssh-ed25519.c,
 * ssh-ecdsa.c, ssh-rsa.c), and each is marked where it is subtle.
 */
#include <ctype.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "buf.h"
#include "sshsig.h"

#define ARMOUR_BEGIN "-----BEGIN SSH SIGNATURE-----\n"
#define ARMOUR_END "\n-----END SSH SIGNATURE-----"
#define MAGIC "SSHSIG"
#define MAGIC_LEN 6
#define SIG_VERSION 1
/* sshbuf's limits: a string's length field, a bignum's bytes, an EC point's bytes. */
#define STRING_MAX (0x8000000 - 4)
#define BIGNUM_MAX_BYTES (16384 / 8)
#define ECPOINT_MAX_BYTES ((528 * 2 / 8) + 1)
#define RSA_MIN_BITS 1024
#define ED25519_KEY_BYTES 32
#define ED25519_SIG_BYTES 64

/* ---------- reading untrusted bytes ---------- */

/* What is left to read; every getter checks the length before it moves. */
struct reader {
	const unsigned char *p;
	size_t left;
};

static int get_u32(struct reader *r, uint32_t *v)
{
	if (r->left < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

/* A length-prefixed string (sshbuf_get_string_direct). */
static int get_string(struct reader *r, const unsigned char **s, size_t *len)
{
	uint32_t n;

	if (r->left < 4)
		return -1;
	n = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	if (n > STRING_MAX || r->left - 4 < n)
		return -1;
	*s = r->p + 4;
	*len = n;
	r->p += 4 + (size_t)n;
	r->left -= 4 + (size_t)n;
	return 0;
}

/* A string read as text (sshbuf_get_cstring): a NUL only as its last byte, which is dropped. */
static int get_text(struct reader *r, const char **s, size_t *len)
{
	const unsigned char *p, *nul;
	size_t n;

	if (get_string(r, &p, &n) != 0)
		return -1;
	nul = n ? memchr(p, '\0', n) : NULL;
	if (nul && nul < p + n - 1)
		return -1;
	*s = (const char *)p;
	*len = nul ? n - 1 : n;
	return 0;
}

static int text_is(const char *s, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(s, want, len) == 0;
}

/* A positive mpint (sshbuf_get_bignum2_bytes_direct): leading zeros trimmed. */
static int get_mpint(struct reader *r, const unsigned char **d, size_t *len)
{
	const unsigned char *p;
	size_t n;

	if (get_string(r, &p, &n) != 0)
		return -1;
	if (n > 0 && (p[0] & 0x80))
		return -1;
	if (n > BIGNUM_MAX_BYTES + 1 || (n == BIGNUM_MAX_BYTES + 1 && p[0] != 0))
		return -1;
	while (n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	*d = p;
	*len = n;
	return 0;
}

/* ---------- the armour ---------- */

static int base64_value(int c)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *at = c ? strchr(alphabet, c) : NULL;

	return at ? (int)(at - alphabet) : -1;
}

/*
 * Base64 as b64_pton reads it: white space anywhere, the first '=' ends
 * the data, "==" after two characters of a quantum or "=" after three,
 * then only white space; the bits past the last byte must be zero.  The
 * checked text, padded and without white space, goes to OpenSSL.
 */
static int base64_strict(const char *text, size_t len, unsigned char **out, size_t *out_len)
{
	char *clean = xmalloc(len + 4);
	size_t n = 0, data, i;
	int got, last = 0;

	*out = NULL;
	*out_len = 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == ' ' || (c >= '\t' && c <= '\r'))
			continue;
		if (c != '=' && base64_value(c) < 0)
			goto bad;
		clean[n++] = (char)c;
	}
	for (data = 0; data < n && clean[data] != '='; data++)
		last = base64_value(clean[data]);
	if (data < n) {
		/* Padding: two after two data characters, one after three, and nothing else. */
		if (data % 4 == 2 && !(n - data == 2 && clean[data + 1] == '=' && (last & 0x0f) == 0))
			goto bad;
		if (data % 4 == 3 && !(n - data == 1 && (last & 0x03) == 0))
			goto bad;
		if (data % 4 < 2)
			goto bad;
	} else if (n % 4 != 0) {
		goto bad;
	}
	if (n == 0) {
		free(clean);
		*out = xmalloc(1);
		return 0;
	}
	*out = xmalloc(n / 4 * 3 + 1);
	got = EVP_DecodeBlock(*out, (const unsigned char *)clean, (int)n);
	if (got < 0 || (size_t)got < n - data) {
		free(*out);
		*out = NULL;
		goto bad;
	}
	/* EVP_DecodeBlock counts each '=' as a zero byte. */
	*out_len = (size_t)got - (n - data);
	free(clean);
	return 0;
bad:
	free(clean);
	return -1;
}

static int dearmour(const char *text, size_t len, unsigned char **blob, size_t *blob_len, const char **why)
{
	const char *body, *end, *nul;
	size_t body_len;

	*blob = NULL;
	if (len < strlen(ARMOUR_BEGIN) || memcmp(text, ARMOUR_BEGIN, strlen(ARMOUR_BEGIN)) != 0) {
		*why = "Couldn't parse signature: missing header";
		return -1;
	}
	body = text + strlen(ARMOUR_BEGIN);
	end = memmem(body, len - strlen(ARMOUR_BEGIN), ARMOUR_END, strlen(ARMOUR_END));
	if (end == NULL) {
		*why = "Couldn't parse signature: missing footer";
		return -1;
	}
	body_len = (size_t)(end - body);
	/* sshbuf_dup_string: a NUL only as the last byte. */
	nul = memchr(body, '\0', body_len);
	if (nul && nul != body + body_len - 1) {
		*why = "Couldn't parse signature: a NUL in the base64";
		return -1;
	}
	if (nul)
		body_len--;
	if (base64_strict(body, body_len, blob, blob_len) != 0) {
		*why = "Couldn't parse signature: invalid base64";
		return -1;
	}
	return 0;
}

/* ---------- the signature blob ---------- */

void sshsig_release(struct sshsig *sig)
{
	free(sig->blob);
	memset(sig, 0, sizeof(*sig));
}

int sshsig_parse(struct sshsig *sig, const char *text, size_t len, const char **why)
{
	struct reader r;
	const unsigned char *reserved;
	size_t reserved_len;

	memset(sig, 0, sizeof(*sig));
	if (dearmour(text, len, &sig->blob, &sig->blob_len, why) != 0)
		return -1;
	r.p = sig->blob;
	r.left = sig->blob_len;
	if (r.left < MAGIC_LEN || memcmp(r.p, MAGIC, MAGIC_LEN) != 0) {
		*why = "Couldn't verify signature: invalid format";
		return -1;
	}
	r.p += MAGIC_LEN;
	r.left -= MAGIC_LEN;
	/* sshsig_parse_preamble refuses only versions above its own: 0 passes. */
	if (get_u32(&r, &sig->version) != 0 || sig->version > SIG_VERSION) {
		*why = "Couldn't verify signature: invalid format or version";
		return -1;
	}
	if (get_string(&r, &sig->key, &sig->key_len) != 0 || get_text(&r, &sig->namespace, &sig->namespace_len) != 0 ||
	    get_string(&r, &reserved, &reserved_len) != 0 || get_text(&r, &sig->hash, &sig->hash_len) != 0 ||
	    get_string(&r, &sig->signature, &sig->signature_len) != 0) {
		*why = "parse signature object: invalid format";
		return -1;
	}
	if (r.left != 0) {
		*why = "Signature contains trailing data";
		return -1;
	}
	if (!text_is(sig->hash, sig->hash_len, "sha256") && !text_is(sig->hash, sig->hash_len, "sha512")) {
		*why = "unsupported hash algorithm";
		return -1;
	}
	return 0;
}

/* ---------- public keys ---------- */

enum key_kind { KEY_ED25519, KEY_ECDSA, KEY_RSA };

struct key_type {
	const char *name;
	enum key_kind kind;
	const char *curve;  /* ecdsa: the curve's name in the key blob */
	const char *group;  /* ecdsa: OpenSSL's name of the group */
	int nid;            /* ecdsa */
	const char *digest; /* ecdsa: the hash the curve signs with */
};

/*
 * The key types decided here, by the exact name OpenSSH writes.  sshkey.c
 * also takes short names ("ED25519", "RSA"), rsa-sha2-* and other types;
 * those go to ssh-keygen.
 */
static const struct key_type key_types[] = {
	{ "ssh-ed25519", KEY_ED25519, NULL, NULL, 0, NULL },
	{ "ecdsa-sha2-nistp256", KEY_ECDSA, "nistp256", "P-256", NID_X9_62_prime256v1, "SHA256" },
	{ "ecdsa-sha2-nistp384", KEY_ECDSA, "nistp384", "P-384", NID_secp384r1, "SHA384" },
	{ "ecdsa-sha2-nistp521", KEY_ECDSA, "nistp521", "P-521", NID_secp521r1, "SHA512" },
	{ "ssh-rsa", KEY_RSA, NULL, NULL, 0, NULL },
};

/* A public key as sshkey_from_blob_internal reads it. */
struct key {
	const struct key_type *type;
	EVP_PKEY *pkey;
	const unsigned char *ed25519; /* KEY_ED25519: the 32 bytes */
	size_t rsa_bytes;             /* KEY_RSA: the modulus' size, which a signature must not exceed */
};

/* Bits of a big-endian number without leading zero bytes. */
static int bits_of(const unsigned char *d, size_t len)
{
	int bits = (int)len * 8;
	unsigned char top = len ? d[0] : 0;

	if (len == 0)
		return 0;
	while (!(top & 0x80)) {
		top <<= 1;
		bits--;
	}
	return bits;
}

/* The checks of sshkey_ec_validate_public beyond the curve (which OpenSSL's oct2point makes). */
static int ec_point_valid(const struct key_type *type, const unsigned char *point, size_t len)
{
	EC_GROUP *group = EC_GROUP_new_by_curve_name(type->nid);
	EC_POINT *q = group ? EC_POINT_new(group) : NULL, *nq = group ? EC_POINT_new(group) : NULL;
	BIGNUM *x = NULL, *y = NULL, *limit = NULL;
	const BIGNUM *order;
	size_t half = (len - 1) / 2;
	int ok = 0;

	if (q == NULL || nq == NULL || EC_POINT_oct2point(group, q, point, len, NULL) != 1 ||
	    EC_POINT_is_at_infinity(group, q))
		goto out;
	order = EC_GROUP_get0_order(group);
	x = BN_bin2bn(point + 1, (int)half, NULL);
	y = BN_bin2bn(point + 1 + half, (int)half, NULL);
	limit = BN_dup(order);
	if (x == NULL || y == NULL || limit == NULL || !BN_sub_word(limit, 1))
		goto out;
	if (BN_num_bits(x) <= BN_num_bits(order) / 2 || BN_num_bits(y) <= BN_num_bits(order) / 2)
		goto out;
	if (EC_POINT_mul(group, nq, NULL, q, order, NULL) != 1 || EC_POINT_is_at_infinity(group, nq) != 1)
		goto out;
	ok = BN_cmp(x, limit) < 0 && BN_cmp(y, limit) < 0;
out:
	BN_free(x);
	BN_free(y);
	BN_free(limit);
	EC_POINT_free(q);
	EC_POINT_free(nq);
	EC_GROUP_free(group);
	return ok;
}

static EVP_PKEY *pkey_from_params(const char *algorithm, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, algorithm, NULL) : NULL;
	EVP_PKEY *pkey = NULL;

	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static EVP_PKEY *ecdsa_key(const struct key_type *type, struct reader *r)
{
	const char *curve;
	const unsigned char *point;
	size_t curve_len, point_len;
	OSSL_PARAM_BLD *bld;
	EVP_PKEY *pkey = NULL;

	if (get_text(r, &curve, &curve_len) != 0 || !text_is(curve, curve_len, type->curve))
		return NULL;
	/* sshbuf_get_eckey: uncompressed points only, of a bounded size. */
	if (get_string(r, &point, &point_len) != 0 || point_len == 0 || point_len > ECPOINT_MAX_BYTES ||
	    point[0] != POINT_CONVERSION_UNCOMPRESSED || !ec_point_valid(type, point, point_len))
		return NULL;
	bld = OSSL_PARAM_BLD_new();
	if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, type->group, 0) == 1 &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, point_len) == 1)
		pkey = pkey_from_params("EC", bld);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

static EVP_PKEY *rsa_key(struct reader *r, size_t *modulus_bytes)
{
	const unsigned char *e, *n;
	size_t e_len, n_len;
	BIGNUM *bn_e = NULL, *bn_n = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;

	if (get_mpint(r, &e, &e_len) != 0 || get_mpint(r, &n, &n_len) != 0 || bits_of(n, n_len) < RSA_MIN_BITS)
		return NULL;
	*modulus_bytes = n_len;
	bn_e = BN_bin2bn(e, (int)e_len, NULL);
	bn_n = BN_bin2bn(n, (int)n_len, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (bn_e && bn_n && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1)
		pkey = pkey_from_params("RSA", bld);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_e);
	BN_free(bn_n);
	return pkey;
}

/*
 * Reads a key blob.  Returns 0 with key filled, -1 when OpenSSH could not
 * read it either (a BAD signature), 1 when its type is not one decided here.
 */
static int key_read(struct key *key, const unsigned char *blob, size_t len)
{
	struct reader r = { blob, len };
	const char *name;
	const unsigned char *pk;
	size_t name_len, pk_len, i;

	memset(key, 0, sizeof(*key));
	if (get_text(&r, &name, &name_len) != 0)
		return -1;
	for (i = 0; i < sizeof(key_types) / sizeof(key_types[0]) && !key->type; i++)
		if (text_is(name, name_len, key_types[i].name))
			key->type = &key_types[i];
	if (key->type == NULL)
		return 1;
	switch (key->type->kind) {
	case KEY_ED25519:
		if (get_string(&r, &pk, &pk_len) != 0 || pk_len != ED25519_KEY_BYTES)
			return -1;
		key->ed25519 = pk;
		key->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, pk_len);
		break;
	case KEY_ECDSA:
		key->pkey = ecdsa_key(key->type, &r);
		break;
	case KEY_RSA:
		key->pkey = rsa_key(&r, &key->rsa_bytes);
		break;
	}
	if (key->pkey == NULL || r.left != 0) {
		EVP_PKEY_free(key->pkey);
		key->pkey = NULL;
		return -1;
	}
	return 0;
}

/* ---------- the signature ---------- */

/*
 * Whether OpenSSL and OpenSSH's ref10 agree on this ed25519 signature and
 * key: ref10 reduces a scalar s below 2^253 modulo the group order L where
 * OpenSSL refuses s >= L, and the two decode a key with y >= p or x = 0
 * differently.  Neither happens with keys and signatures ssh-keygen makes.
 */
static int ed25519_agreed(const unsigned char *pk, const unsigned char *signature)
{
	static const char order_hex[] = "1000000000000000000000000000000014DEF9DEA2F79CD65812631A5CF5D3ED";
	static const char prime_hex[] = "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFED";
	unsigned char y_bytes[ED25519_KEY_BYTES];
	BIGNUM *order = NULL, *prime = NULL, *s = NULL, *y = NULL;
	int ok = 0;

	memcpy(y_bytes, pk, sizeof(y_bytes));
	y_bytes[31] &= 0x7f;
	s = BN_lebin2bn(signature + 32, 32, NULL);
	y = BN_lebin2bn(y_bytes, sizeof(y_bytes), NULL);
	if (s && y && BN_hex2bn(&order, order_hex) && BN_hex2bn(&prime, prime_hex) && BN_cmp(s, order) < 0 &&
	    BN_cmp(y, prime) < 0 && !BN_is_one(y) && BN_add_word(y, 1))
		ok = BN_cmp(y, prime) != 0; /* y = p - 1 */
	BN_free(order);
	BN_free(prime);
	BN_free(s);
	BN_free(y);
	return ok;
}

/* EVP_DigestVerify of data with md (NULL: ed25519's own); 1 good, 0 not. */
static int evp_verify(EVP_PKEY *pkey, const char *md, const unsigned char *signature, size_t signature_len,
		      const unsigned char *data, size_t len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, pkey, NULL) == 1 &&
		 EVP_DigestVerify(ctx, signature, signature_len, data, len) == 1;

	EVP_MD_CTX_free(ctx);
	return ok;
}

/* DER of an ssh ecdsa signature blob (mpint r, mpint s and nothing else); NULL when malformed. */
static unsigned char *ecdsa_der(const unsigned char *blob, size_t len, int *der_len)
{
	struct reader r = { blob, len };
	const unsigned char *rb, *sb;
	size_t r_len, s_len;
	BIGNUM *bn_r, *bn_s;
	ECDSA_SIG *sig;
	unsigned char *der = NULL;

	if (get_mpint(&r, &rb, &r_len) != 0 || get_mpint(&r, &sb, &s_len) != 0 || r.left != 0)
		return NULL;
	bn_r = BN_bin2bn(rb, (int)r_len, NULL);
	bn_s = BN_bin2bn(sb, (int)s_len, NULL);
	sig = ECDSA_SIG_new();
	if (sig && bn_r && bn_s && ECDSA_SIG_set0(sig, bn_r, bn_s) == 1) {
		bn_r = bn_s = NULL;
		*der_len = i2d_ECDSA_SIG(sig, &der);
		if (*der_len <= 0)
			der = NULL;
	}
	BN_free(bn_r);
	BN_free(bn_s);
	ECDSA_SIG_free(sig);
	return der;
}

/* The signature blob's check, by the key's kind (ssh_*_verify). */
static enum sshsig_verdict verify_blob(const struct key *key, const unsigned char *blob, size_t len,
				       const unsigned char *data, size_t data_len, const char **why)
{
	struct reader r = { blob, len };
	const char *algorithm;
	const unsigned char *bytes;
	size_t algorithm_len, bytes_len;
	unsigned char *der, *padded;
	int der_len = 0, ok;

	*why = "Signature verification failed";
	if (get_text(&r, &algorithm, &algorithm_len) != 0 || get_string(&r, &bytes, &bytes_len) != 0 || r.left != 0)
		return SSHSIG_BAD;
	switch (key->type->kind) {
	case KEY_ED25519:
		if (!text_is(algorithm, algorithm_len, "ssh-ed25519") || bytes_len != ED25519_SIG_BYTES ||
		    (bytes[63] & 224))
			return SSHSIG_BAD;
		if (!ed25519_agreed(key->ed25519, bytes)) {
			*why = "an ed25519 signature or key only ssh-keygen may judge";
			return SSHSIG_UNSUPPORTED;
		}
		ok = evp_verify(key->pkey, NULL, bytes, bytes_len, data, data_len);
		break;
	case KEY_ECDSA:
		if (!text_is(algorithm, algorithm_len, key->type->name) ||
		    (der = ecdsa_der(bytes, bytes_len, &der_len)) == NULL)
			return SSHSIG_BAD;
		ok = evp_verify(key->pkey, key->type->digest, der, (size_t)der_len, data, data_len);
		OPENSSL_free(der);
		break;
	case KEY_RSA:
		/* sshsig takes RSA only with SHA-2 signatures, as ssh-keygen does. */
		if (!text_is(algorithm, algorithm_len, "rsa-sha2-256") && !text_is(algorithm, algorithm_len, "rsa-sha2-512")) {
			*why = "Couldn't verify signature: unsupported RSA signature algorithm";
			return SSHSIG_BAD;
		}
		if (bytes_len > key->rsa_bytes)
			return SSHSIG_BAD;
		/* ssh_rsa_verify pads a short signature with leading zeros to the modulus' size. */
		padded = xcalloc(1, key->rsa_bytes);
		memcpy(padded + key->rsa_bytes - bytes_len, bytes, bytes_len);
		ok = evp_verify(key->pkey, text_is(algorithm, algorithm_len, "rsa-sha2-256") ? "SHA256" : "SHA512",
				padded, key->rsa_bytes, data, data_len);
		free(padded);
		break;
	default:
		return SSHSIG_UNSUPPORTED;
	}
	return ok ? SSHSIG_GOOD : SSHSIG_BAD;
}

/* The signed data: MAGIC, namespace, an empty reserved string, hash algorithm, H(message). */
static int signed_data(const struct sshsig *sig, const char *namespace, const void *message, size_t message_len,
		       struct buf *out)
{
	unsigned char digest[EVP_MAX_MD_SIZE], be[4];
	unsigned int digest_len = 0;
	const char *name = sig->hash_len == 6 && memcmp(sig->hash, "sha256", 6) == 0 ? "SHA256" : "SHA512";
	const void *parts[4] = { namespace, "", sig->hash, digest };
	size_t lens[4] = { strlen(namespace), 0, sig->hash_len, 0 };
	EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
	size_t i;
	int ok = md && EVP_Digest(message, message_len, digest, &digest_len, md, NULL) == 1;

	EVP_MD_free(md);
	if (!ok)
		return -1;
	lens[3] = digest_len;
	buf_add(out, MAGIC, MAGIC_LEN);
	for (i = 0; i < 4; i++) {
		be[0] = (unsigned char)(lens[i] >> 24);
		be[1] = (unsigned char)(lens[i] >> 16);
		be[2] = (unsigned char)(lens[i] >> 8);
		be[3] = (unsigned char)lens[i];
		buf_add(out, be, 4);
		buf_add(out, parts[i], lens[i]);
	}
	return 0;
}

enum sshsig_verdict sshsig_verify(const struct sshsig *sig, const char *namespace, const void *message,
				  size_t message_len, const unsigned char *key, size_t key_len, const char **why)
{
	struct key signer, expected;
	struct buf data;
	enum sshsig_verdict verdict;
	int read;

	if (!text_is(sig->namespace, sig->namespace_len, namespace)) {
		*why = "Couldn't verify signature: namespace does not match";
		return SSHSIG_BAD;
	}
	read = key_read(&signer, sig->key, sig->key_len);
	if (read != 0) {
		*why = read < 0 ? "parse signature object: invalid key" : "a key type only ssh-keygen may judge";
		return read < 0 ? SSHSIG_BAD : SSHSIG_UNSUPPORTED;
	}
	/* The same key as the allowed signer's, compared as sshkey_equal does: by value, not by encoding. */
	if (key_len != sig->key_len || memcmp(key, sig->key, key_len) != 0) {
		read = key_read(&expected, key, key_len);
		verdict = read != 0 ? SSHSIG_UNSUPPORTED : SSHSIG_BAD;
		if (read == 0 && EVP_PKEY_eq(signer.pkey, expected.pkey) == 1)
			verdict = SSHSIG_GOOD;
		EVP_PKEY_free(expected.pkey);
		if (verdict != SSHSIG_GOOD) {
			*why = read != 0 ? "an expected key only ssh-keygen may judge" : "the signature's key is not the expected key";
			EVP_PKEY_free(signer.pkey);
			return verdict;
		}
	}
	buf_init(&data);
	if (signed_data(sig, namespace, message, message_len, &data) != 0) {
		*why = "cannot hash the message";
		verdict = SSHSIG_UNSUPPORTED;
	} else {
		verdict = verify_blob(&signer, sig->signature, sig->signature_len, (const unsigned char *)data.data,
				      data.len, why);
	}
	if (verdict == SSHSIG_GOOD)
		*why = NULL;
	buf_release(&data);
	EVP_PKEY_free(signer.pkey);
	return verdict;
}
