/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crypto sessions: CREATE_CRYPTO_SESSION (request and reply, both a session
 * description) and CLOSE_CRYPTO_SESSION (u64 session id).
 */
#ifndef LIBVHOST_MSG_CRYPTO_H
#define LIBVHOST_MSG_CRYPTO_H

#include "proto/proto.h"

/*
 * The two session layouts supported, by their size on the wire (LP64 hosts;
 * msg-crypto.c has the byte offsets and where they come from).
 */
#define LVH_CRYPTO_SESSION_LEGACY_SIZE 632u /* QEMU <= 7.0, older DPDK: symmetric only */
#define LVH_CRYPTO_SESSION_SIZE 1072u /* QEMU >= 8.1, current DPDK: sym/asym union */

#define LVH_CRYPTO_SYM_KEY_MAX 64u
#define LVH_CRYPTO_SYM_AUTH_KEY_MAX 512u
#define LVH_CRYPTO_ASYM_KEY_MAX 1024u

/* virtio-crypto's session-creating op codes: (service << 8) | 0x02, AKCIPHER | 0x04 */
#define LVH_CRYPTO_OP_CIPHER_CREATE 0x0002u
#define LVH_CRYPTO_OP_HASH_CREATE 0x0102u
#define LVH_CRYPTO_OP_MAC_CREATE 0x0202u
#define LVH_CRYPTO_OP_AEAD_CREATE 0x0302u
#define LVH_CRYPTO_OP_AKCIPHER_CREATE 0x0404u

struct lvh_crypto_session {
	bool legacy; /* the 632-byte layout */
	uint32_t op_code; /* LVH_CRYPTO_OP_* */
	int64_t session_id; /* reply: >= 0 the new session, < 0 failure; request: 0 */
	/* symmetric sessions (every op code but AKCIPHER), virtio-crypto's values */
	uint32_t cipher_alg, key_len, hash_alg, hash_result_len, auth_key_len, add_len;
	uint8_t op_type, direction, hash_mode, alg_chain_order;
	/* asymmetric sessions (LVH_CRYPTO_OP_AKCIPHER_CREATE, current layout only) */
	uint32_t algo, keytype, keylen, rsa_padding_algo, rsa_hash_algo;
	/*
	 * The key bytes (key_len or keylen of them) and the auth key
	 * (auth_key_len, symmetric only).  Decoded: they point into the
	 * message, valid while it is.  To encode: the caller's buffers, which
	 * may be NULL only for a length of 0.
	 */
	const uint8_t *key;
	const uint8_t *auth_key;
};

/*
 * CREATE_CRYPTO_SESSION request, or the back-end's reply (the request echoed
 * with session_id set), in the layout s->legacy selects; every byte not named
 * above is sent as 0.  Errors: -EINVAL unknown op code, an asymmetric session
 * in the legacy layout, a key length past its buffer, a NULL key with a
 * non-zero length.
 */
int lvh_msg_encode_crypto_session(struct lvh_msg *m, const struct lvh_crypto_session *s);

/*
 * CREATE_CRYPTO_SESSION request (or reply) by its size: -EBADMSG a size
 * matching neither layout; -EPROTO unknown op code, an asymmetric op code in
 * the legacy layout, a key length past its buffer.
 */
int lvh_msg_decode_crypto_session(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				  struct lvh_crypto_session *out);

/*
 * CREATE_CRYPTO_SESSION reply: the new session's id.  Only the id is read
 * (as QEMU does): back-ends echo the request around it.  The caller should
 * check that m->size is its request's.  Errors: -EBADMSG a size matching
 * neither layout; -EIO a negative id, the back-end's failure.
 */
int lvh_msg_decode_crypto_session_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
					int64_t *session_id);

/*
 * CLOSE_CRYPTO_SESSION: u64 id of a session CREATE returned, so 0..INT64_MAX.
 * Encode: -EINVAL for a negative id.  Decode: -EPROTO past INT64_MAX.
 */
int lvh_msg_encode_crypto_close(struct lvh_msg *m, int64_t session_id);
int lvh_msg_decode_crypto_close(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				int64_t *session_id);

#endif
