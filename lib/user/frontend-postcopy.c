/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The front-end's postcopy (PAGEFAULT; --enable-postcopy builds):
 * POSTCOPY_ADVISE (the back-end's userfaultfd comes back), POSTCOPY_LISTEN,
 * the postcopy SET_MEM_TABLE (the back-end's bases come back; we acknowledge
 * with a u64 0 under SET_MEM_TABLE's code, as QEMU does, and send no
 * NEED_REPLY), POSTCOPY_END; and the back-end's page faults, read from its
 * userfaultfd and resolved by placing or waking pages at its addresses.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "proto/msg-mem.h"
#include "proto/msg-postcopy.h"
#include "user/frontend.h"

void lvh_fe_postcopy_init(struct libvhost_frontend *fe)
{
	pthread_mutex_init(&fe->pc_lock, NULL);
	fe->pc_ufd = -1;
}

void lvh_fe_postcopy_reset(struct libvhost_frontend *fe)
{
	pthread_mutex_lock(&fe->pc_lock);
	if (fe->pc_ufd >= 0)
		close(fe->pc_ufd);
	fe->pc_ufd = -1;
	fe->pc_listening = false;
	fe->pc_n = 0;
	pthread_mutex_unlock(&fe->pc_lock);
}

void lvh_fe_postcopy_fini(struct libvhost_frontend *fe)
{
	lvh_fe_postcopy_reset(fe);
	pthread_mutex_destroy(&fe->pc_lock);
}

/*
 * The order the spec gives (ADVISE, LISTEN, the memory table, END) checked
 * before anything is sent: a back-end without REPLY_ACK could only drop the
 * connection, and we would report success.  -EOPNOTSUPP first, as lvh_fe_call
 * would.
 */
static int order_check(struct libvhost_frontend *fe, uint32_t request)
{
	const char *why = NULL;

	if (!fe_has(fe, LIBVHOST_USER_PROTOCOL_F_PAGEFAULT))
		return 0;
	if (request == LIBVHOST_USER_POSTCOPY_ADVISE && fe->pc_ufd >= 0)
		why = "already advised";
	else if (request != LIBVHOST_USER_POSTCOPY_ADVISE && fe->pc_ufd < 0)
		why = "before POSTCOPY_ADVISE";
	else if (request == LIBVHOST_USER_POSTCOPY_LISTEN && fe->pc_listening)
		why = "twice";
	else if (request == LIBVHOST_USER_POSTCOPY_LISTEN && fe->nsent)
		why = "after the memory table (the back-end's bases could not come back)";
	if (!why)
		return 0;
	lvh_dbg(fe->ctx, "vhost-user: %s %s: refused", lvh_proto_name(LVH_DIR_FRONTEND, request),
		why);
	return -EINVAL;
}

/*
 * The fd the back-end sent must be a userfaultfd: any other fd would take
 * our UFFDIO ioctls, or block the fault thread's reads.  Where /proc is not
 * mounted only the non-blocking mode is ensured.
 */
static int uffd_check(struct libvhost_frontend *fe, int fd)
{
	static const char want[] = "anon_inode:[userfaultfd]";
	char link[64], target[64];
	int fl = fcntl(fd, F_GETFL);
	ssize_t n;

	if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0))
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0 && (errno == ENOENT || errno == EACCES))
		return 0;
	target[n > 0 ? n : 0] = 0;
	if (n == (ssize_t)sizeof(want) - 1 && !memcmp(target, want, sizeof(want) - 1))
		return 0;
	lvh_err(fe->ctx, "vhost-user: POSTCOPY_ADVISE: the back-end sent %s, not a userfaultfd",
		n > 0 ? target : "an unknown fd");
	return -EPROTO;
}

LIBVHOST_EXPORT int libvhost_frontend_postcopy_advise(struct libvhost_frontend *fe, int *ret_ufd)
{
	struct lvh_msg m, rep;
	int r;

	if (!fe || !ret_ufd)
		return -EINVAL;
	r = order_check(fe, LIBVHOST_USER_POSTCOPY_ADVISE);
	if (r < 0)
		return r;
	lvh_msg_init(&m, LIBVHOST_USER_POSTCOPY_ADVISE, 0);
	r = lvh_fe_call(fe, &m, &rep);
	if (r < 0)
		return r;
	r = lvh_msg_decode_postcopy_advise_reply(fe->ctx, &rep);
	if (r == 0)
		r = uffd_check(fe, rep.fds[0]);
	if (r < 0) {
		lvh_msg_close_fds(&rep);
		return r == -EIO ? r : lvh_fe_fail(fe, m.request, r);
	}
	pthread_mutex_lock(&fe->pc_lock);
	fe->pc_ufd = lvh_msg_take_fd(&rep, 0);
	*ret_ufd = fe->pc_ufd;
	pthread_mutex_unlock(&fe->pc_lock);
	return 0;
}

LIBVHOST_EXPORT int libvhost_frontend_postcopy_listen(struct libvhost_frontend *fe)
{
	struct lvh_msg m;
	int r;

	if (!fe)
		return -EINVAL;
	r = order_check(fe, LIBVHOST_USER_POSTCOPY_LISTEN);
	if (r < 0)
		return r;
	lvh_msg_init(&m, LIBVHOST_USER_POSTCOPY_LISTEN, 0);
	r = lvh_fe_call(fe, &m, NULL);
	if (r == 0)
		fe->pc_listening = true;
	return r;
}

LIBVHOST_EXPORT int libvhost_frontend_postcopy_end(struct libvhost_frontend *fe)
{
	struct lvh_msg m, rep;
	int r;

	if (!fe)
		return -EINVAL;
	r = order_check(fe, LIBVHOST_USER_POSTCOPY_END);
	if (r < 0)
		return r;
	lvh_msg_init(&m, LIBVHOST_USER_POSTCOPY_END, 0);
	r = lvh_fe_call(fe, &m, &rep);
	if (r == 0)
		r = lvh_msg_decode_postcopy_end_reply(fe->ctx, &rep);
	lvh_fe_postcopy_reset(fe);
	return r;
}

/* The back-end's table: the regions we sent, in order, each with its base. */
static int bases_check(struct libvhost_frontend *fe, const struct lvh_mem_table *sent,
		       const struct lvh_mem_table *got)
{
	uint32_t i;

	if (got->nregions != sent->nregions) {
		lvh_err(fe->ctx, "vhost-user: postcopy SET_MEM_TABLE: %u regions back for %u sent",
			got->nregions, sent->nregions);
		return -EPROTO;
	}
	for (i = 0; i < got->nregions; i++) {
		const struct lvh_mem_region *x = &got->regions[i];

		if (x->guest_addr != sent->regions[i].guest_addr ||
		    x->size != sent->regions[i].size) {
			lvh_err(fe->ctx, "vhost-user: postcopy SET_MEM_TABLE: region %u came back "
					 "as guest %#llx (+%llu)",
				i, (unsigned long long)x->guest_addr, (unsigned long long)x->size);
			return -EPROTO;
		}
		/* 0 stands for "no region" in the lookups; the sum must not wrap */
		if (!x->user_addr || lvh_range_overflows(x->user_addr, x->size)) {
			lvh_err(fe->ctx, "vhost-user: postcopy SET_MEM_TABLE: region %u at the "
					 "back-end's %#llx (+%llu)",
				i, (unsigned long long)x->user_addr, (unsigned long long)x->size);
			return -EPROTO;
		}
	}
	return 0;
}

int lvh_fe_postcopy_mem_table(struct libvhost_frontend *fe, struct lvh_msg *m,
			      const struct lvh_mem_table *t)
{
	struct lvh_mem_table got;
	struct lvh_msg rep;
	uint32_t i;
	int r;

	r = lvh_fe_call_state(fe, m, &rep);
	if (r < 0)
		return r;
	r = lvh_msg_decode_mem_table(fe->ctx, &rep, false, false, &got);
	if (r == 0)
		r = bases_check(fe, t, &got);
	if (r < 0)
		return lvh_fe_fail(fe, m->request, r);
	pthread_mutex_lock(&fe->pc_lock);
	for (i = 0; i < got.nregions; i++) {
		fe->pc_regions[i].gpa = got.regions[i].guest_addr;
		fe->pc_regions[i].size = got.regions[i].size;
		fe->pc_regions[i].base = got.regions[i].user_addr;
		lvh_dbg(fe->ctx, "vhost-user: postcopy: guest %#llx (+%llu) at the back-end's %#llx",
			(unsigned long long)got.regions[i].guest_addr,
			(unsigned long long)got.regions[i].size,
			(unsigned long long)got.regions[i].user_addr);
	}
	fe->pc_n = got.nregions;
	pthread_mutex_unlock(&fe->pc_lock);
	/* from here on the back-end registers its mappings and faults may come */
	return lvh_fe_send_ack(fe, LIBVHOST_USER_SET_MEM_TABLE);
}

/* ---- faults ---- */

static uint64_t page_size(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The back-end's address of guest [gpa, +len), inside one region; 0 if none (under pc_lock). */
static uint64_t backend_addr_of(const struct libvhost_frontend *fe, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < fe->pc_n; i++) {
		const struct fe_pc_region *x = &fe->pc_regions[i];

		if (gpa >= x->gpa && gpa - x->gpa < x->size && len <= x->size - (gpa - x->gpa))
			return x->base + (gpa - x->gpa);
	}
	return 0;
}

LIBVHOST_EXPORT int libvhost_frontend_postcopy_read_fault(struct libvhost_frontend *fe,
							  struct libvhost_postcopy_fault *out)
{
	struct libvhost_postcopy_fault f = { .sz = sizeof(f) };
	struct uffd_msg msg;
	unsigned int i;
	ssize_t n;
	size_t sz;
	int r = -EFAULT;

	if (!fe || !out ||
	    out->sz < lvh_offsetofend(struct libvhost_postcopy_fault, guest_addr))
		return -EINVAL;
	pthread_mutex_lock(&fe->pc_lock);
	if (fe->pc_ufd < 0) {
		pthread_mutex_unlock(&fe->pc_lock);
		return -EINVAL;
	}
	for (;;) {
		n = read(fe->pc_ufd, &msg, sizeof(msg));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pthread_mutex_unlock(&fe->pc_lock);
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		}
		if (n != sizeof(msg)) {
			pthread_mutex_unlock(&fe->pc_lock);
			lvh_err(fe->ctx, "vhost-user: postcopy: a userfaultfd message of %zd bytes", n);
			return -EIO;
		}
		/* no other event was asked for at UFFDIO_API */
		if (msg.event == UFFD_EVENT_PAGEFAULT)
			break;
		lvh_dbg(fe->ctx, "vhost-user: postcopy: userfaultfd event %u ignored", msg.event);
	}
	f.backend_addr = msg.arg.pagefault.address & ~(page_size() - 1);
	if (msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE)
		f.flags |= LIBVHOST_POSTCOPY_FAULT_WRITE;
	for (i = 0; i < fe->pc_n; i++) {
		const struct fe_pc_region *x = &fe->pc_regions[i];

		if (f.backend_addr >= x->base && f.backend_addr - x->base < x->size) {
			f.guest_addr = x->gpa + (f.backend_addr - x->base);
			r = 0;
			break;
		}
	}
	pthread_mutex_unlock(&fe->pc_lock);
	if (r < 0)
		lvh_err(fe->ctx, "vhost-user: postcopy: the back-end faulted at %#llx, in no region "
				 "it reported",
			(unsigned long long)f.backend_addr);
	sz = out->sz < sizeof(f) ? out->sz : sizeof(f);
	memcpy((char *)out + sizeof(size_t), (const char *)&f + sizeof(size_t),
	       sz - sizeof(size_t));
	return r;
}

/* Checks a placement's range and finds it in the back-end (takes pc_lock on success). */
static int range_lock(struct libvhost_frontend *fe, const char *what, uint64_t gpa, uint64_t len,
		      uint64_t *dst)
{
	uint64_t page = page_size();

	if (!fe)
		return -EINVAL;
	if (!len || (gpa | len) & (page - 1) || lvh_range_overflows(gpa, len)) {
		lvh_dbg(fe->ctx, "vhost-user: postcopy %s: guest %#llx (+%llu) is not whole pages",
			what, (unsigned long long)gpa, (unsigned long long)len);
		return -EINVAL;
	}
	pthread_mutex_lock(&fe->pc_lock);
	*dst = fe->pc_ufd < 0 ? 0 : backend_addr_of(fe, gpa, len);
	if (*dst && !(*dst & (page - 1)))
		return 0;
	pthread_mutex_unlock(&fe->pc_lock);
	lvh_dbg(fe->ctx, "vhost-user: postcopy %s: guest %#llx (+%llu) %s", what,
		(unsigned long long)gpa, (unsigned long long)len,
		fe->pc_ufd < 0 ? "without POSTCOPY_ADVISE" : !*dst ? "is in no region" :
								"is not page-aligned in the back-end");
	return -EINVAL;
}

LIBVHOST_EXPORT int libvhost_frontend_postcopy_place(struct libvhost_frontend *fe,
						     uint64_t guest_addr, const void *data,
						     size_t len)
{
	struct uffdio_copy c;
	uint64_t dst, done = 0;
	int r = 0;

	if (!data)
		return -EINVAL;
	r = range_lock(fe, "place", guest_addr, len, &dst);
	if (r < 0)
		return r;
	/* the kernel may stop early (-EAGAIN with the bytes it copied): go on from there */
	while (done < len) {
		c = (struct uffdio_copy){ .dst = dst + done, .src = (uintptr_t)data + done,
					  .len = len - done };
		if (ioctl(fe->pc_ufd, UFFDIO_COPY, &c) == 0) {
			done += (uint64_t)c.copy;
			continue;
		}
		if (errno == EAGAIN && c.copy > 0) {
			done += (uint64_t)c.copy;
			continue;
		}
		r = -errno;
		break;
	}
	pthread_mutex_unlock(&fe->pc_lock);
	if (r < 0)
		lvh_dbg(fe->ctx, "vhost-user: postcopy: UFFDIO_COPY at guest %#llx (+%zu): %s",
			(unsigned long long)guest_addr, len, strerror(-r));
	return r;
}

LIBVHOST_EXPORT int libvhost_frontend_postcopy_wake(struct libvhost_frontend *fe,
						    uint64_t guest_addr, size_t len)
{
	struct uffdio_range range;
	uint64_t dst;
	int r;

	r = range_lock(fe, "wake", guest_addr, len, &dst);
	if (r < 0)
		return r;
	range = (struct uffdio_range){ .start = dst, .len = len };
	r = ioctl(fe->pc_ufd, UFFDIO_WAKE, &range) < 0 ? -errno : 0;
	pthread_mutex_unlock(&fe->pc_lock);
	return r;
}
