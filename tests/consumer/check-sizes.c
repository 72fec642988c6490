/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The size and layout of every public struct, and the wire constants, frozen.
 * An option struct may only grow at its end; when one does, add the new
 * numbers here in the same commit, deliberately.  check-abi.sh fails if a
 * public struct or member is missing here.  Built as a consumer: C99, only
 * <libvhost.h>.
 */
#include <stddef.h>
#include <stdio.h>

#include <libvhost.h>

static int failures;

#define EQ(expr, want)                                                                     \
	do {                                                                               \
		if ((size_t)(expr) != (size_t)(want)) {                                    \
			printf("FAIL: %s is %zu, frozen at %zu\n", #expr, (size_t)(expr),   \
			       (size_t)(want));                                             \
			failures++;                                                         \
		}                                                                          \
	} while (0)

int main(void)
{
	if (sizeof(void *) != 8 || sizeof(long) != 8) {
		printf("SKIP: the frozen numbers are for LP64\n");
		return 77;
	}

	EQ(sizeof(struct libvhost_ctx_opts), 32);
	EQ(offsetof(struct libvhost_ctx_opts, sz), 0);
	EQ(offsetof(struct libvhost_ctx_opts, log_fn), 8);
	EQ(offsetof(struct libvhost_ctx_opts, log_userdata), 16);
	EQ(offsetof(struct libvhost_ctx_opts, log_priority), 24);

	EQ(sizeof(struct libvhost_mem_alloc_opts), 24);
	EQ(offsetof(struct libvhost_mem_alloc_opts, sz), 0);
	EQ(offsetof(struct libvhost_mem_alloc_opts, flags), 8);
	EQ(offsetof(struct libvhost_mem_alloc_opts, hugepage_size), 16);

	EQ(sizeof(struct libvhost_mem_region), 40);
	EQ(offsetof(struct libvhost_mem_region, guest_addr), 0);
	EQ(offsetof(struct libvhost_mem_region, size), 8);
	EQ(offsetof(struct libvhost_mem_region, user_addr), 16);
	EQ(offsetof(struct libvhost_mem_region, fd_offset), 24);
	EQ(offsetof(struct libvhost_mem_region, fd), 32);

	EQ(sizeof(struct libvhost_vring_opts), 24);
	EQ(offsetof(struct libvhost_vring_opts, sz), 0);
	EQ(offsetof(struct libvhost_vring_opts, flags), 8);
	EQ(offsetof(struct libvhost_vring_opts, indirect_max), 16);

	EQ(sizeof(struct libvhost_shmem_map), 40);
	EQ(offsetof(struct libvhost_shmem_map, shmid), 0);
	EQ(offsetof(struct libvhost_shmem_map, fd_offset), 8);
	EQ(offsetof(struct libvhost_shmem_map, shm_offset), 16);
	EQ(offsetof(struct libvhost_shmem_map, len), 24);
	EQ(offsetof(struct libvhost_shmem_map, flags), 32);
	EQ(sizeof(struct libvhost_frontend_ops), 88);
	EQ(offsetof(struct libvhost_frontend_ops, sz), 0);
	EQ(offsetof(struct libvhost_frontend_ops, iotlb_msg), 8);
	EQ(offsetof(struct libvhost_frontend_ops, config_change), 16);
	EQ(offsetof(struct libvhost_frontend_ops, host_notifier), 24);
	EQ(offsetof(struct libvhost_frontend_ops, vring_call), 32);
	EQ(offsetof(struct libvhost_frontend_ops, vring_err), 40);
	EQ(offsetof(struct libvhost_frontend_ops, shared_object_add), 48);
	EQ(offsetof(struct libvhost_frontend_ops, shared_object_remove), 56);
	EQ(offsetof(struct libvhost_frontend_ops, shared_object_lookup), 64);
	EQ(offsetof(struct libvhost_frontend_ops, shmem_map), 72);
	EQ(offsetof(struct libvhost_frontend_ops, shmem_unmap), 80);
	EQ(sizeof(struct libvhost_frontend_opts), 56);
	EQ(offsetof(struct libvhost_frontend_opts, sz), 0);
	EQ(offsetof(struct libvhost_frontend_opts, timeout_ms), 8);
	EQ(offsetof(struct libvhost_frontend_opts, connect_retries), 16);
	EQ(offsetof(struct libvhost_frontend_opts, retry_interval_ms), 24);
	EQ(offsetof(struct libvhost_frontend_opts, protocol_features), 32);
	EQ(offsetof(struct libvhost_frontend_opts, ops), 40);
	EQ(offsetof(struct libvhost_frontend_opts, userdata), 48);
	EQ(sizeof(struct libvhost_backend_stats), 72);
	EQ(offsetof(struct libvhost_backend_stats, sz), 0);
	EQ(offsetof(struct libvhost_backend_stats, sessions), 8);
	EQ(offsetof(struct libvhost_backend_stats, inflight_resubmitted), 16);
	EQ(offsetof(struct libvhost_backend_stats, log_pages), 24);
	EQ(offsetof(struct libvhost_backend_stats, iotlb_misses), 32);
	EQ(offsetof(struct libvhost_backend_stats, iotlb_updates), 40);
	EQ(offsetof(struct libvhost_backend_stats, iotlb_invalidations), 48);
	EQ(offsetof(struct libvhost_backend_stats, mem_regions_added), 56);
	EQ(offsetof(struct libvhost_backend_stats, mem_regions_removed), 64);
	EQ(sizeof(struct libvhost_frontend_info), 56);
	EQ(offsetof(struct libvhost_frontend_info, sz), 0);
	EQ(offsetof(struct libvhost_frontend_info, features), 8);
	EQ(offsetof(struct libvhost_frontend_info, backend_protocol_features), 16);
	EQ(offsetof(struct libvhost_frontend_info, protocol_features), 24);
	EQ(offsetof(struct libvhost_frontend_info, queue_num), 32);
	EQ(offsetof(struct libvhost_frontend_info, max_mem_slots), 40);
	EQ(offsetof(struct libvhost_frontend_info, acked_features), 48);
	EQ(sizeof(struct libvhost_postcopy_fault), 32);
	EQ(offsetof(struct libvhost_postcopy_fault, sz), 0);
	EQ(offsetof(struct libvhost_postcopy_fault, guest_addr), 8);
	EQ(offsetof(struct libvhost_postcopy_fault, backend_addr), 16);
	EQ(offsetof(struct libvhost_postcopy_fault, flags), 24);
	EQ(sizeof(struct libvhost_backend_ops), 144);
	EQ(offsetof(struct libvhost_backend_ops, sz), 0);
	EQ(offsetof(struct libvhost_backend_ops, set_features), 8);
	EQ(offsetof(struct libvhost_backend_ops, get_config), 16);
	EQ(offsetof(struct libvhost_backend_ops, set_config), 24);
	EQ(offsetof(struct libvhost_backend_ops, queue_started), 32);
	EQ(offsetof(struct libvhost_backend_ops, queue_stopped), 40);
	EQ(offsetof(struct libvhost_backend_ops, set_status), 48);
	EQ(offsetof(struct libvhost_backend_ops, reset), 56);
	EQ(offsetof(struct libvhost_backend_ops, save_state), 64);
	EQ(offsetof(struct libvhost_backend_ops, load_state), 72);
	EQ(offsetof(struct libvhost_backend_ops, set_mtu), 80);
	EQ(offsetof(struct libvhost_backend_ops, send_rarp), 88);
	EQ(offsetof(struct libvhost_backend_ops, create_crypto_session), 96);
	EQ(offsetof(struct libvhost_backend_ops, close_crypto_session), 104);
	EQ(offsetof(struct libvhost_backend_ops, gpu_set_socket), 112);
	EQ(offsetof(struct libvhost_backend_ops, get_shared_object), 120);
	EQ(offsetof(struct libvhost_backend_ops, get_shmem_config), 128);
	EQ(offsetof(struct libvhost_backend_ops, queue_suspend), 136); /* LIBVHOST_0.2 */
	EQ(sizeof(struct libvhost_backend_opts), 64);
	EQ(offsetof(struct libvhost_backend_opts, sz), 0);
	EQ(offsetof(struct libvhost_backend_opts, features), 8);
	EQ(offsetof(struct libvhost_backend_opts, protocol_features), 16);
	EQ(offsetof(struct libvhost_backend_opts, queue_num), 24);
	EQ(offsetof(struct libvhost_backend_opts, timeout_ms), 32);
	EQ(offsetof(struct libvhost_backend_opts, ops), 40);
	EQ(offsetof(struct libvhost_backend_opts, userdata), 48);
	EQ(offsetof(struct libvhost_backend_opts, flags), 56);
	EQ(sizeof(struct libvhost_vq_elem), 16);
	EQ(offsetof(struct libvhost_vq_elem, id), 0);
	EQ(offsetof(struct libvhost_vq_elem, out), 4);
	EQ(offsetof(struct libvhost_vq_elem, in), 8);
	EQ(offsetof(struct libvhost_vq_elem, reserved), 12);
	EQ(sizeof(struct libvhost_vq_used), 8);
	EQ(offsetof(struct libvhost_vq_used, id), 0);
	EQ(offsetof(struct libvhost_vq_used, len), 4);
	EQ(sizeof(struct libvhost_vdpa_mgmtdev), 128);
	EQ(offsetof(struct libvhost_vdpa_mgmtdev, sz), 0);
	EQ(offsetof(struct libvhost_vdpa_mgmtdev, bus), 8);
	EQ(offsetof(struct libvhost_vdpa_mgmtdev, name), 40);
	EQ(offsetof(struct libvhost_vdpa_mgmtdev, classes), 104);
	EQ(offsetof(struct libvhost_vdpa_mgmtdev, max_vqs), 112);
	EQ(offsetof(struct libvhost_vdpa_mgmtdev, features), 120);
	EQ(sizeof(struct libvhost_vdpa_dev_opts), 48);
	EQ(offsetof(struct libvhost_vdpa_dev_opts, sz), 0);
	EQ(offsetof(struct libvhost_vdpa_dev_opts, mac), 8);
	EQ(offsetof(struct libvhost_vdpa_dev_opts, mtu), 16);
	EQ(offsetof(struct libvhost_vdpa_dev_opts, max_vq_pairs), 24);
	EQ(offsetof(struct libvhost_vdpa_dev_opts, features), 32);
	EQ(offsetof(struct libvhost_vdpa_dev_opts, driver), 40);
	EQ(sizeof(struct libvhost_vduse_opts), 80);
	EQ(offsetof(struct libvhost_vduse_opts, sz), 0);
	EQ(offsetof(struct libvhost_vduse_opts, device_id), 8);
	EQ(offsetof(struct libvhost_vduse_opts, vendor_id), 16);
	EQ(offsetof(struct libvhost_vduse_opts, features), 24);
	EQ(offsetof(struct libvhost_vduse_opts, queue_num), 32);
	EQ(offsetof(struct libvhost_vduse_opts, queue_size), 40);
	EQ(offsetof(struct libvhost_vduse_opts, config_size), 48);
	EQ(offsetof(struct libvhost_vduse_opts, ops), 56);
	EQ(offsetof(struct libvhost_vduse_opts, userdata), 64);
	EQ(offsetof(struct libvhost_vduse_opts, flags), 72);
	EQ(sizeof(struct libvhost_vduse_stats), 56);
	EQ(offsetof(struct libvhost_vduse_stats, sz), 0);
	EQ(offsetof(struct libvhost_vduse_stats, requests), 8);
	EQ(offsetof(struct libvhost_vduse_stats, failed), 16);
	EQ(offsetof(struct libvhost_vduse_stats, vq_states), 24);
	EQ(offsetof(struct libvhost_vduse_stats, status_changes), 32);
	EQ(offsetof(struct libvhost_vduse_stats, resets), 40);
	EQ(offsetof(struct libvhost_vduse_stats, iotlb_updates), 48);
	EQ(sizeof(struct libvhost_vdpa_devinfo), 248);
	EQ(offsetof(struct libvhost_vdpa_devinfo, sz), 0);
	EQ(offsetof(struct libvhost_vdpa_devinfo, name), 8);
	EQ(offsetof(struct libvhost_vdpa_devinfo, mgmtdev), 72);
	EQ(offsetof(struct libvhost_vdpa_devinfo, device_id), 168);
	EQ(offsetof(struct libvhost_vdpa_devinfo, vendor_id), 172);
	EQ(offsetof(struct libvhost_vdpa_devinfo, max_vqs), 176);
	EQ(offsetof(struct libvhost_vdpa_devinfo, max_vq_size), 180);
	EQ(offsetof(struct libvhost_vdpa_devinfo, min_vq_size), 182);
	EQ(offsetof(struct libvhost_vdpa_devinfo, driver), 184);
	EQ(sizeof(struct libvhost_vdpa_devconfig), 32);
	EQ(offsetof(struct libvhost_vdpa_devconfig, sz), 0);
	EQ(offsetof(struct libvhost_vdpa_devconfig, mac), 8);
	EQ(offsetof(struct libvhost_vdpa_devconfig, has_mac), 14);
	EQ(offsetof(struct libvhost_vdpa_devconfig, has_net_status), 15);
	EQ(offsetof(struct libvhost_vdpa_devconfig, net_status), 16);
	EQ(offsetof(struct libvhost_vdpa_devconfig, max_vq_pairs), 18);
	EQ(offsetof(struct libvhost_vdpa_devconfig, mtu), 20);
	EQ(offsetof(struct libvhost_vdpa_devconfig, negotiated_features), 24);
	/* limits and wire values are part of the ABI too */
	EQ(LIBVHOST_MEM_MAX_REGIONS, 509);
	EQ(LIBVHOST_USER_HDR_SIZE, 12);
	EQ(LIBVHOST_USER_MAX_PAYLOAD, 4096);
	EQ(LIBVHOST_USER_MAX_FDS, 8);
	EQ(LIBVHOST_USER_MAX_VRINGS, 0x8000);
	EQ(LIBVHOST_USER_GET_SHMEM_CONFIG, 44);
	EQ(LIBVHOST_USER_BACKEND_SHMEM_UNMAP, 10);
	EQ(LIBVHOST_USER_PROTOCOL_F_SHMEM, 22);
	EQ(LIBVHOST_USER_PROTOCOL_F_GPA_ADDRESSES, 21);
	/* the back-end's shared-object and shared-memory requests (spec) */
	EQ(LIBVHOST_USER_BACKEND_SHARED_OBJECT_ADD, 6);
	EQ(LIBVHOST_USER_BACKEND_SHARED_OBJECT_REMOVE, 7);
	EQ(LIBVHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP, 8);
	EQ(LIBVHOST_USER_BACKEND_SHMEM_MAP, 9);
	EQ(LIBVHOST_USER_PROTOCOL_F_SHARED_OBJECT, 18);
	EQ(LIBVHOST_USER_PROTOCOL_F_GET_VRING_BASE_INFLIGHT, 20);
	EQ(LIBVHOST_SHMEM_MAP_RW, 1); /* MMAP request flags: 1 read-write */
	EQ(LIBVHOST_BACKEND_F_SHARED_OBJECT, 2);

	if (failures)
		return 1;
	printf("public struct layouts and constants as frozen\n");
	return 0;
}
