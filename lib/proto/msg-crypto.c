/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto sessions: CREATE_CRYPTO_SESSION (request and reply) and
 * CLOSE_CRYPTO_SESSION.
 *
 * The spec calls the payload a "crypto session description" and gives no
 * layout; the de facto one is QEMU's C struct (VhostUserCryptoSession, built
 * from CryptoDevBackend*SessionInfo), mirrored by DPDK's
 * VhostUserCryptoSessionParam.  It has had three forms, all LP64 C layouts
 * with natural alignment:
 *
 *  legacy, 632 bytes (QEMU <= 7.0; DPDK before its asymmetric support):
 *      0 i64 session_id      8 u32 op_code       12 u32 cipher_alg
 *     16 u32 key_len        20 u32 hash_alg      24 u32 hash_result_len
 *     28 u32 auth_key_len   32 u32 add_len       36 u8 op_type, direction,
 *        hash_mode, alg_chain_order              40 two host pointers
 *     56 key[64]           120 auth_key[512]
 *
 *  QEMU 7.1 to 8.0: also 632 bytes, but op_code had left the session info,
 *      so every field from offset 8 on sits 4 bytes earlier.  Nothing in the
 *      message tells it from the legacy form (an op code and a cipher
 *      algorithm overlap in value), so it is not supported; DPDK, which reads
 *      the legacy form, could not have served such a front-end either.
 *
 *  current, 1072 bytes (QEMU >= 8.1, DPDK with asymmetric support):
 *      0 op_code (QEMU: u64; DPDK: u32 and 4 bytes of padding)
 *      8 union {
 *          sym:   8 u32 cipher_alg, key_len, hash_alg, hash_result_len,
 *                   auth_key_len, add_len   32 u8 op_type, direction,
 *                   hash_mode, alg_chain_order   36 padding
 *                40 two host pointers   56 key[64]   120 auth_key[512]
 *          asym:  8 u32 algo, keytype, keylen   20 padding
 *                24 one host pointer    32 u32 rsa padding_algo, hash_algo
 *                40 key[1024]
 *      }
 *   1064 i64 session_id
 *
 * The host pointers are QEMU's own cipher_key/auth_key/key pointers, copied
 * in with the session info: the sender's addresses, meaningless here, never
 * read, and sent as zero.  Padding and the op code's upper half are not
 * read either.  Every key length indexes a fixed buffer, so each is checked
 * against it.  A 32-bit host lays these structs out differently; those sizes
 * match neither layout and are refused.
 */
#include <errno.h>
#include <string.h>

#include "proto/msg-crypto.h"

/* legacy layout offsets */
#define L_SESSION_ID 0
#define L_OP_CODE 8
#define L_SYM 12
#define L_KEY 56
#define L_AUTH_KEY 120
/* current layout offsets */
#define C_OP_CODE 0
#define C_SYM 8
#define C_SYM_KEY 56
#define C_SYM_AUTH_KEY 120
#define C_ASYM 8
#define C_ASYM_RSA 32
#define C_ASYM_KEY 40
#define C_SESSION_ID 1064

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static bool op_known(uint32_t op)
{
	switch (op) {
	case LVH_CRYPTO_OP_CIPHER_CREATE:
	case LVH_CRYPTO_OP_HASH_CREATE:
	case LVH_CRYPTO_OP_MAC_CREATE:
	case LVH_CRYPTO_OP_AEAD_CREATE:
	case LVH_CRYPTO_OP_AKCIPHER_CREATE:
		return true;
	}
	return false;
}

static bool is_asym(const struct lvh_crypto_session *s)
{
	return s->op_code == LVH_CRYPTO_OP_AKCIPHER_CREATE;
}

/* the symmetric fields: 6 u32 then 4 u8, the same run in both layouts */
static void get_sym(const uint8_t *p, struct lvh_crypto_session *s)
{
	s->cipher_alg = get32(p);
	s->key_len = get32(p + 4);
	s->hash_alg = get32(p + 8);
	s->hash_result_len = get32(p + 12);
	s->auth_key_len = get32(p + 16);
	s->add_len = get32(p + 20);
	s->op_type = p[24];
	s->direction = p[25];
	s->hash_mode = p[26];
	s->alg_chain_order = p[27];
}

static void put_sym(uint8_t *p, const struct lvh_crypto_session *s)
{
	put32(p, s->cipher_alg);
	put32(p + 4, s->key_len);
	put32(p + 8, s->hash_alg);
	put32(p + 12, s->hash_result_len);
	put32(p + 16, s->auth_key_len);
	put32(p + 20, s->add_len);
	p[24] = s->op_type;
	p[25] = s->direction;
	p[26] = s->hash_mode;
	p[27] = s->alg_chain_order;
}

static int check(const struct libvhost_ctx *ctx, const struct lvh_crypto_session *s)
{
	if (!op_known(s->op_code) || (s->legacy && is_asym(s))) {
		lvh_err(ctx, "CREATE_CRYPTO_SESSION: op code 0x%x unknown in the %s layout",
			s->op_code, s->legacy ? "legacy" : "current");
		return -EPROTO;
	}
	if (is_asym(s) && s->keylen > LVH_CRYPTO_ASYM_KEY_MAX) {
		lvh_err(ctx, "CREATE_CRYPTO_SESSION: asymmetric key of %u bytes (at most %u)",
			s->keylen, LVH_CRYPTO_ASYM_KEY_MAX);
		return -EPROTO;
	}
	if (!is_asym(s) && (s->key_len > LVH_CRYPTO_SYM_KEY_MAX ||
			    s->auth_key_len > LVH_CRYPTO_SYM_AUTH_KEY_MAX)) {
		lvh_err(ctx, "CREATE_CRYPTO_SESSION: key of %u and auth key of %u bytes "
			"(at most %u and %u)", s->key_len, s->auth_key_len,
			LVH_CRYPTO_SYM_KEY_MAX, LVH_CRYPTO_SYM_AUTH_KEY_MAX);
		return -EPROTO;
	}
	return 0;
}

static bool keys_present(const struct lvh_crypto_session *s)
{
	if (is_asym(s))
		return s->key || !s->keylen;
	return (s->key || !s->key_len) && (s->auth_key || !s->auth_key_len);
}

int lvh_msg_encode_crypto_session(struct lvh_msg *m, const struct lvh_crypto_session *s)
{
	uint32_t size = s->legacy ? LVH_CRYPTO_SESSION_LEGACY_SIZE : LVH_CRYPTO_SESSION_SIZE;
	uint8_t *p = m->payload.bytes;
	uint64_t op = s->op_code;

	if (check(NULL, s) < 0 || !keys_present(s))
		return -EINVAL;
	memset(p, 0, size);
	if (s->legacy) {
		memcpy(p + L_SESSION_ID, &s->session_id, 8);
		put32(p + L_OP_CODE, s->op_code);
		put_sym(p + L_SYM, s);
		if (s->key_len)
			memcpy(p + L_KEY, s->key, s->key_len);
		if (s->auth_key_len)
			memcpy(p + L_AUTH_KEY, s->auth_key, s->auth_key_len);
	} else if (is_asym(s)) {
		memcpy(p + C_OP_CODE, &op, 8);
		put32(p + C_ASYM, s->algo);
		put32(p + C_ASYM + 4, s->keytype);
		put32(p + C_ASYM + 8, s->keylen);
		put32(p + C_ASYM_RSA, s->rsa_padding_algo);
		put32(p + C_ASYM_RSA + 4, s->rsa_hash_algo);
		if (s->keylen)
			memcpy(p + C_ASYM_KEY, s->key, s->keylen);
		memcpy(p + C_SESSION_ID, &s->session_id, 8);
	} else {
		memcpy(p + C_OP_CODE, &op, 8);
		put_sym(p + C_SYM, s);
		if (s->key_len)
			memcpy(p + C_SYM_KEY, s->key, s->key_len);
		if (s->auth_key_len)
			memcpy(p + C_SYM_AUTH_KEY, s->auth_key, s->auth_key_len);
		memcpy(p + C_SESSION_ID, &s->session_id, 8);
	}
	m->size = size;
	return 0;
}

static bool size_known(const struct libvhost_ctx *ctx, const struct lvh_msg *m)
{
	if (m->size == LVH_CRYPTO_SESSION_LEGACY_SIZE || m->size == LVH_CRYPTO_SESSION_SIZE)
		return true;
	lvh_err(ctx, "CREATE_CRYPTO_SESSION: %u bytes match neither session layout (%u or %u)",
		m->size, LVH_CRYPTO_SESSION_LEGACY_SIZE, LVH_CRYPTO_SESSION_SIZE);
	return false;
}

int lvh_msg_decode_crypto_session(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				  struct lvh_crypto_session *out)
{
	const uint8_t *p = m->payload.bytes;
	struct lvh_crypto_session s;
	int r;

	if (!size_known(ctx, m))
		return -EBADMSG;
	memset(&s, 0, sizeof(s));
	if (m->size == LVH_CRYPTO_SESSION_LEGACY_SIZE) {
		s.legacy = true;
		memcpy(&s.session_id, p + L_SESSION_ID, 8);
		s.op_code = get32(p + L_OP_CODE);
		get_sym(p + L_SYM, &s);
		s.key = p + L_KEY;
		s.auth_key = p + L_AUTH_KEY;
	} else {
		s.op_code = get32(p + C_OP_CODE);
		if (is_asym(&s)) {
			s.algo = get32(p + C_ASYM);
			s.keytype = get32(p + C_ASYM + 4);
			s.keylen = get32(p + C_ASYM + 8);
			s.rsa_padding_algo = get32(p + C_ASYM_RSA);
			s.rsa_hash_algo = get32(p + C_ASYM_RSA + 4);
			s.key = p + C_ASYM_KEY;
		} else {
			get_sym(p + C_SYM, &s);
			s.key = p + C_SYM_KEY;
			s.auth_key = p + C_SYM_AUTH_KEY;
		}
		memcpy(&s.session_id, p + C_SESSION_ID, 8);
	}
	r = check(ctx, &s);
	if (r < 0)
		return r;
	*out = s;
	return 0;
}

int lvh_msg_decode_crypto_session_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
					int64_t *session_id)
{
	int64_t id;

	if (!size_known(ctx, m))
		return -EBADMSG;
	memcpy(&id, m->payload.bytes + (m->size == LVH_CRYPTO_SESSION_LEGACY_SIZE ? L_SESSION_ID
										  : C_SESSION_ID),
	       8);
	if (id < 0) {
		lvh_err(ctx, "CREATE_CRYPTO_SESSION: the back-end failed (%lld)", (long long)id);
		return -EIO;
	}
	*session_id = id;
	return 0;
}

int lvh_msg_encode_crypto_close(struct lvh_msg *m, int64_t session_id)
{
	if (session_id < 0)
		return -EINVAL;
	lvh_msg_set_u64(m, (uint64_t)session_id);
	return 0;
}

int lvh_msg_decode_crypto_close(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				int64_t *session_id)
{
	uint64_t v;
	int r;

	r = lvh_msg_get_u64_range(ctx, m, "CLOSE_CRYPTO_SESSION", 0, INT64_MAX, &v);
	if (r < 0)
		return r;
	*session_id = (int64_t)v;
	return 0;
}
