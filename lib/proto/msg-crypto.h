/* SPDX-License-Identifier: BSD-3-Clause */
/* Crypto sessions: CREATE_CRYPTO_SESSION (request and reply), CLOSE_CRYPTO_SESSION (u64 id). */
#ifndef LIBVHOST_MSG_CRYPTO_H
#define LIBVHOST_MSG_CRYPTO_H

#include "proto.h"

/* The two layouts peers use, by their size on the wire. */
#define LVH_CRYPTO_SESSION_LEGACY_SIZE 632u /* QEMU <= 7.2, DPDK: symmetric only */
#define LVH_CRYPTO_SESSION_SIZE 1072u /* QEMU >= 8.0: op code + sym/asym union */

#define LVH_CRYPTO_SYM_KEY_MAX 64u
#define LVH_CRYPTO_SYM_AUTH_KEY_MAX 512u
#define LVH_CRYPTO_ASYM_KEY_MAX 1024u

/* virtio-crypto session-creating op codes */
#define LVH_CRYPTO_OP_CIPHER_CREATE 0x0002u
#define LVH_CRYPTO_OP_HASH_CREATE 0x0102u
#define LVH_CRYPTO_OP_MAC_CREATE 0x0202u
#define LVH_CRYPTO_OP_AEAD_CREATE 0x0302u
#define LVH_CRYPTO_OP_AKCIPHER_CREATE 0x0404u

struct lvh_crypto_session {
	bool legacy; /* the 632-byte layout */
	uint32_t op_code;
	int64_t session_id; /* in a reply: >= 0 the id, < 0 failure */
	/* symmetric sessions */
	uint32_t cipher_alg, key_len, hash_alg, hash_result_len, auth_key_len, add_len;
	uint8_t op_type, direction, hash_mode, alg_chain_order;
	/* asymmetric sessions (LVH_CRYPTO_OP_AKCIPHER_CREATE) */
	uint32_t algo, keytype, keylen, rsa_padding_algo, rsa_hash_algo;
	/* key bytes: point into the decoded message, or the caller's buffers to encode */
	const uint8_t *key;
	const uint8_t *auth_key;
};

int lvh_msg_encode_crypto_session(struct lvh_msg *m, const struct lvh_crypto_session *s);
/* Request or reply; lengths are checked against their buffers. */
int lvh_msg_decode_crypto_session(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
				  struct lvh_crypto_session *out);
/* Reply: the session id, or -EIO when the back-end failed to create it. */
int lvh_msg_decode_crypto_session_reply(const struct libvhost_ctx *ctx, const struct lvh_msg *m,
					int64_t *session_id);

#endif
