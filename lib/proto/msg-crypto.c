/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The spec calls the payload a "crypto session description" without a
 * layout; QEMU's C struct is the de facto definition, and it changed in 8.0:
 *  - legacy, 632 bytes (QEMU <= 7.2, DPDK's vhost-crypto): i64 session_id,
 *    then the symmetric session info with its op code, key[64], auth_key[512];
 *  - current, 1072 bytes: u64 op_code, a union of the symmetric info (without
 *    op code) + key[64] + auth_key[512] and the asymmetric info + key[1024],
 *    then i64 session_id.
 * Both carry two or one host pointers (QEMU's cipher_key/auth_key/key): they
 * are the sender's addresses, meaningless here, never read and sent as zero.
 * Key lengths index fixed buffers, so each is checked against its buffer.
 */
#include <errno.h>
#include <string.h>

#include "msg-crypto.h"

/* byte offsets */
#define L_SESSION_ID 0
#define L_INFO 8 /* op_code, then the symmetric fields */
#define L_KEY 56
#define L_AUTH_KEY 120
#define C_OP_CODE 0
#define C_INFO 8
#define C_SYM_KEY 56
#define C_SYM_AUTH_KEY 120
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
	return op == LVH_CRYPTO_OP_CIPHER_CREATE || op == LVH_CRYPTO_OP_HASH_CREATE ||
	       op == LVH_CRYPTO_OP_MAC_CREATE || op == LVH_CRYPTO_OP_AEAD_CREATE ||
	       op == LVH_CRYPTO_OP_AKCIPHER_CREATE;
}

/* the symmetric fields after the op code: 6 u32 and 4 u8 */
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
	if (!op_known(s->op_code) || (s->legacy && s->op_code == LVH_CRYPTO_OP_AKCIPHER_CREATE)) {
		lvh_err(ctx, "CREATE_CRYPTO_SESSION: op code 0x%x not supported in this layout",
			s->op_code);
		return -EPROTO;
	}
	if (s->op_code == LVH_CRYPTO_OP_AKCIPHER_CREATE ? s->keylen > LVH_CRYPTO_ASYM_KEY_MAX
							: (s->key_len > LVH_CRYPTO_SYM_KEY_MAX ||
							   s->auth_key_len > LVH_CRYPTO_SYM_AUTH_KEY_MAX)) {
		lvh_err(ctx, "CREATE_CRYPTO_SESSION: key lengths %u/%u/%u exceed their buffers",
			s->key_len, s->auth_key_len, s->keylen);
		return -EPROTO;
	}
	return 0;
}

int lvh_msg_encode_crypto_session(struct lvh_msg *m, const struct lvh_crypto_session *s)
{
	uint8_t *p = m->payload.bytes;
	bool asym = s->op_code == LVH_CRYPTO_OP_AKCIPHER_CREATE;
	uint32_t size = s->legacy ? LVH_CRYPTO_SESSION_LEGACY_SIZE : LVH_CRYPTO_SESSION_SIZE;

	if (check(NULL, s) < 0)
		return -EINVAL;
	memset(p, 0, size);
	if (s->legacy) {
		memcpy(p + L_SESSION_ID, &s->session_id, 8);
		put32(p + L_INFO, s->op_code);
		put_sym(p + L_INFO + 4, s);
		if (s->key && s->key_len)
			memcpy(p + L_KEY, s->key, s->key_len);
		if (s->auth_key && s->auth_key_len)
			memcpy(p + L_AUTH_KEY, s->auth_key, s->auth_key_len);
	} else {
		uint64_t op = s->op_code;

		memcpy(p + C_OP_CODE, &op, 8);
		if (asym) {
			put32(p + C_INFO, s->algo);
			put32(p + C_INFO + 4, s->keytype);
			put32(p + C_INFO + 8, s->keylen);
			put32(p + C_INFO + 24, s->rsa_padding_algo);
			put32(p + C_INFO + 28, s->rsa_hash_algo);
			if (s->key && s->keylen)
				memcpy(p + C_ASYM_KEY, s->key, s->keylen);
		} else {
			put_sym(p + C_INFO, s);
			if (s->key && s->key_len)
				memcpy(p + C_SYM_KEY, s->key, s->key_len);
			if (s->auth_key && s->auth_key_len)
				memcpy(p + C_SYM_AUTH_KEY, s->auth_key, s->auth_key_len);
		}
		memcpy(p + C_SESSION_ID, &s->session_id, 8);
	}
	m->size = size;
	return 0;
}

int lvh_msg_decode_crypto_session(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				  struct lvh_crypto_session *out)
{
	const uint8_t *p = m->payload.bytes;
	struct lvh_crypto_session s;
	int r;

	memset(&s, 0, sizeof(s));
	if (m->size == LVH_CRYPTO_SESSION_LEGACY_SIZE) {
		s.legacy = true;
		memcpy(&s.session_id, p + L_SESSION_ID, 8);
		s.op_code = get32(p + L_INFO);
		get_sym(p + L_INFO + 4, &s);
		s.key = p + L_KEY;
		s.auth_key = p + L_AUTH_KEY;
	} else if (m->size == LVH_CRYPTO_SESSION_SIZE) {
		uint64_t op;

		memcpy(&op, p + C_OP_CODE, 8);
		if (op > UINT32_MAX) {
			lvh_err(ctx, "CREATE_CRYPTO_SESSION: op code 0x%llx", (unsigned long long)op);
			return -EPROTO;
		}
		s.op_code = (uint32_t)op;
		if (s.op_code == LVH_CRYPTO_OP_AKCIPHER_CREATE) {
			s.algo = get32(p + C_INFO);
			s.keytype = get32(p + C_INFO + 4);
			s.keylen = get32(p + C_INFO + 8);
			s.rsa_padding_algo = get32(p + C_INFO + 24);
			s.rsa_hash_algo = get32(p + C_INFO + 28);
			s.key = p + C_ASYM_KEY;
		} else {
			get_sym(p + C_INFO, &s);
			s.key = p + C_SYM_KEY;
			s.auth_key = p + C_SYM_AUTH_KEY;
		}
		memcpy(&s.session_id, p + C_SESSION_ID, 8);
	} else {
		lvh_err(ctx, "CREATE_CRYPTO_SESSION: %u bytes match neither layout (%u or %u)",
			m->size, LVH_CRYPTO_SESSION_LEGACY_SIZE, LVH_CRYPTO_SESSION_SIZE);
		return -EBADMSG;
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
	struct lvh_crypto_session s;
	int r;

	r = lvh_msg_decode_crypto_session(ctx, m, &s);
	if (r < 0)
		return r;
	if (s.session_id < 0) {
		lvh_err(ctx, "CREATE_CRYPTO_SESSION: the back-end failed (%lld)",
			(long long)s.session_id);
		return -EIO;
	}
	*session_id = s.session_id;
	return 0;
}
