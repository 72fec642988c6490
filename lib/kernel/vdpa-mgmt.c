/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vDPA device management: the kernel's generic netlink family "vdpa", the
 * one iproute2's vdpa tool speaks.  List management devices (the parents
 * that can create devices: simulators, SmartNIC functions), create and
 * delete devices, read a device's attributes, config and vendor statistics.
 * Built on libmnl; without it (--without-libmnl) every call is -EOPNOTSUPP.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libvhost-private.h"

/*
 * A vDPA device or bus driver name: 1-63 bytes, no '/' and not "." or ".."
 * (it is a sysfs directory), no newline (sysfs cuts a value written there).
 */
static bool name_ok(const char *name)
{
	return name && *name && strlen(name) < 64 && !strpbrk(name, "/\n") && strcmp(name, ".") &&
	       strcmp(name, "..");
}

/* ---- the vdpa bus in sysfs: which driver a device is bound to ---- */

#define VDPA_BUS "/sys/bus/vdpa"
#define CAP_DAC_OVERRIDE 1

/* -ENODEV if there is no device @name, -EOPNOTSUPP if there is no vdpa bus at all. */
static int dev_exists(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), VDPA_BUS "/devices/%s", name);
	if (access(path, F_OK) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	return access(VDPA_BUS, F_OK) == 0 ? -ENODEV : -EOPNOTSUPP;
}

/* The bus driver device @name is bound to, into @buf ("" when none). */
static int bound_driver(const char *name, char *buf, size_t len)
{
	char path[128], link[256];
	const char *base;
	ssize_t n;
	int r = dev_exists(name);

	if (r < 0)
		return r;
	snprintf(path, sizeof(path), VDPA_BUS "/devices/%s/driver", name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		if (errno != ENOENT)
			return -errno;
		n = 0;
	}
	link[n] = 0;
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	return snprintf(buf, len, "%s", base) < (int)len ? 0 : -ENAMETOOLONG;
}

static int sysfs_write(const char *path, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, r;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	r = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	return r;
}

/* The device's driver_override, "" when none (the kernel shows "(null)" then). */
static void read_override(const char *name, char *buf, size_t len)
{
	char path[160];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), VDPA_BUS "/devices/%s/driver_override", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	if (!strcmp(buf, "(null)"))
		buf[0] = 0;
}

/* Writes @value (a driver or device name) to ATTR of the vdpa bus, ATTR formatted like printf. */
static int bus_write(const struct libvhost_ctx *ctx, const char *what, const char *value,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int bus_write(const struct libvhost_ctx *ctx, const char *what, const char *value,
		     const char *fmt, ...)
{
	char path[192];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	r = sysfs_write(path, value);
	if (r == -EPERM || r == -EACCES)
		return lvh_explain_denied(ctx, what, r, CAP_DAC_OVERRIDE, 0);
	if (r < 0)
		lvh_dbg(ctx, "%s: writing %s to %s: %s", what, value, path, strerror(-r));
	return r;
}

/* Binds @name to @driver after its override is set; 0, or the kernel's answer. */
static int rebind(const struct libvhost_ctx *ctx, const char *what, const char *name,
		  const char *cur, const char *driver)
{
	int r;

	if (*cur) {
		r = bus_write(ctx, what, name, VDPA_BUS "/drivers/%s/unbind", cur);
		/* -ENODEV: it left @cur meanwhile */
		if (r < 0 && r != -ENODEV)
			return r;
	}
	return bus_write(ctx, what, name, VDPA_BUS "/drivers/%s/bind", driver);
}

LIBVHOST_EXPORT int libvhost_vdpa_dev_bind(struct libvhost_ctx *ctx, const char *name,
					   const char *driver)
{
	char cur[64], old[64], now[64], path[128], what[160];
	int r, r2;

	if (!ctx || !name_ok(name) || !name_ok(driver))
		return -EINVAL;
	snprintf(what, sizeof(what), "vdpa: bind %s to %s", name, driver);
	r = bound_driver(name, cur, sizeof(cur));
	if (r == -ENODEV)
		lvh_dbg(ctx, "%s: no vDPA device %s", what, name);
	else if (r == -EOPNOTSUPP)
		lvh_err(ctx, "%s: the kernel has no vdpa bus (CONFIG_VDPA, modprobe vdpa)", what);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), VDPA_BUS "/drivers/%s", driver);
	if (access(path, F_OK) < 0) {
		r = -errno;
		if (r == -ENOENT)
			lvh_err(ctx, "%s: no vDPA bus driver %s: is the module loaded (modprobe %s)?",
				what, driver, driver);
		return r;
	}
	/*
	 * The override first: with it the bus matches @driver alone, so
	 * nothing else takes the device between unbind and bind, a bind to
	 * @driver is not refused for an earlier override, and the device comes
	 * back to @driver whenever it is probed again.
	 */
	read_override(name, old, sizeof(old));
	if (!strcmp(cur, driver) && !strcmp(old, driver))
		return 0;
	r = bus_write(ctx, what, driver, VDPA_BUS "/devices/%s/driver_override", name);
	if (r < 0)
		goto fail;
	if (!strcmp(cur, driver))
		return 0;
	r = rebind(ctx, what, name, cur, driver);
	/* done when the kernel shows the device on @driver (-EBUSY: it got there meanwhile) */
	r2 = bound_driver(name, now, sizeof(now));
	if (r2 == 0 && !strcmp(now, driver)) {
		lvh_dbg(ctx, "%s: done (was %s)", what, *cur ? cur : "not bound");
		return 0;
	}
	if (r == 0)
		r = r2 < 0 ? r2 : -EIO;
	/* back to where it was, as far as the kernel lets us */
	bus_write(ctx, what, *old ? old : "\n", VDPA_BUS "/devices/%s/driver_override", name);
	if (r2 == 0 && *cur && strcmp(now, cur))
		bus_write(ctx, what, name, VDPA_BUS "/drivers/%s/bind", cur);
	/* -ENODEV from bind: the driver declined a device that is there */
	if (r == -ENODEV && r2 == 0) {
		lvh_err(ctx, "%s: the driver declined the device", what);
		return -EIO;
	}
fail:
	if (r != -EPERM && r != -EACCES)
		lvh_err(ctx, "%s: %s", what, strerror(-r));
	return r;
}

#ifdef HAVE_LIBMNL
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/vdpa.h>

#define CAP_NET_ADMIN 12

#define NL_BUF 8192 /* MNL_SOCKET_BUFFER_SIZE, as a constant */

struct nl {
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t seq, portid;
	const struct libvhost_ctx *ctx;
};

typedef int (*reply_fn)(const struct nlattr **tb, void *data);

struct reply {
	reply_fn fn;
	void *data;
	int result;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, VDPA_ATTR_MAX + 8) < 0 || type > VDPA_ATTR_MAX + 8)
		return MNL_CB_OK; /* newer than we know: skipped */
	tb[type] = a;
	return MNL_CB_OK;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[VDPA_ATTR_MAX + 9] = { 0 };
	struct reply *rep = data;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	if (rep->fn) {
		rep->result = rep->fn(tb, rep->data);
		if (rep->result < 0)
			return MNL_CB_STOP;
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *msg_start(struct nl *nl, char *buf, uint16_t type, uint8_t cmd,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = VDPA_GENL_VERSION;
	return nlh;
}

/* Sends @nlh and runs the replies through @fn until the ack. */
static int transact(struct nl *nl, struct nlmsghdr *nlh, reply_fn fn, void *data,
		    const char *what, int cap)
{
	char buf[NL_BUF];
	struct reply rep = { fn, data, 0 };
	int r;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, nl->portid, data_cb, &rep);
		if (r == MNL_CB_STOP)
			return rep.result < 0 ? rep.result : 0;
		if (r < 0) {
			r = -errno;
			if (r == -EPERM || r == -EACCES)
				return lvh_explain_denied(nl->ctx, what, r, cap, 0);
			if (r != -ENODEV && r != -ENOENT)
				lvh_err(nl->ctx, "%s: %s", what, strerror(-r));
			return r;
		}
	}
}

static int ctrl_attr_cb(const struct nlattr *a, void *data)
{
	uint16_t *family = data;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) == 0)
		*family = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int ctrl_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ctrl_attr_cb, data) < 0
		       ? MNL_CB_ERROR
		       : MNL_CB_OK;
}

static int nl_open(const struct libvhost_ctx *ctx, struct nl *nl)
{
	char buf[NL_BUF];
	struct nlmsghdr *nlh;
	ssize_t n;
	int r;

	memset(nl, 0, sizeof(*nl));
	nl->ctx = ctx;
	nl->seq = (uint32_t)time(NULL);
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		lvh_err(ctx, "vdpa: generic netlink socket: %s", strerror(-r));
		if (nl->sock)
			mnl_socket_close(nl->sock);
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nlh = msg_start(nl, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, VDPA_GENL_NAME);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		goto fail;
	while ((n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf))) > 0) {
		r = mnl_cb_run(buf, (size_t)n, nl->seq, nl->portid, ctrl_cb, &nl->family);
		if (r <= 0)
			break;
	}
	if (nl->family)
		return 0;
fail:
	r = errno ? -errno : -ENOENT;
	lvh_err(ctx, "vdpa: the kernel has no \"vdpa\" netlink family (CONFIG_VDPA, modprobe vdpa)");
	mnl_socket_close(nl->sock);
	return r == -ENOENT || r == -EINVAL ? -EOPNOTSUPP : r;
}

static void nl_close(struct nl *nl)
{
	mnl_socket_close(nl->sock);
}

static void copy_str(char *dst, size_t len, const struct nlattr *a)
{
	dst[0] = 0;
	if (a && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(dst, len, "%s", mnl_attr_get_str(a));
}

static uint64_t get_u64(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_U64) == 0 ? mnl_attr_get_u64(a) : 0;
}

static uint32_t get_u32(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_U32) == 0 ? mnl_attr_get_u32(a) : 0;
}

static uint16_t get_u16(const struct nlattr *a)
{
	return a && mnl_attr_validate(a, MNL_TYPE_U16) == 0 ? mnl_attr_get_u16(a) : 0;
}

/* ---- management devices ---- */

struct mgmt_list {
	libvhost_vdpa_mgmtdev_fn fn;
	void *ud;
};

static int mgmt_cb(const struct nlattr **tb, void *data)
{
	struct mgmt_list *l = data;
	struct libvhost_vdpa_mgmtdev m = { .sz = sizeof(m) };

	copy_str(m.bus, sizeof(m.bus), tb[VDPA_ATTR_MGMTDEV_BUS_NAME]);
	copy_str(m.name, sizeof(m.name), tb[VDPA_ATTR_MGMTDEV_DEV_NAME]);
	m.classes = get_u64(tb[VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES]);
	m.max_vqs = get_u32(tb[VDPA_ATTR_DEV_MGMTDEV_MAX_VQS]);
	m.features = get_u64(tb[VDPA_ATTR_DEV_SUPPORTED_FEATURES]);
	return l->fn(l->ud, &m);
}

LIBVHOST_EXPORT int libvhost_vdpa_mgmtdev_list(struct libvhost_ctx *ctx,
					       libvhost_vdpa_mgmtdev_fn fn, void *userdata)
{
	char buf[NL_BUF];
	struct mgmt_list l = { fn, userdata };
	struct nl nl;
	int r;

	if (!ctx || !fn)
		return -EINVAL;
	r = nl_open(ctx, &nl);
	if (r < 0)
		return r;
	r = transact(&nl, msg_start(&nl, buf, nl.family, VDPA_CMD_MGMTDEV_GET, NLM_F_DUMP),
		     mgmt_cb, &l, "vdpa: management devices", -1);
	nl_close(&nl);
	return r;
}

/* "pci/0000:03:00.2" names a bus and a device; "vdpasim_net" only a device. */
static void put_mgmtdev(struct nlmsghdr *nlh, const char *mgmtdev)
{
	const char *slash = strchr(mgmtdev, '/');

	if (slash) {
		char bus[64];

		snprintf(bus, sizeof(bus), "%.*s", (int)(slash - mgmtdev), mgmtdev);
		mnl_attr_put_strz(nlh, VDPA_ATTR_MGMTDEV_BUS_NAME, bus);
		mnl_attr_put_strz(nlh, VDPA_ATTR_MGMTDEV_DEV_NAME, slash + 1);
	} else {
		mnl_attr_put_strz(nlh, VDPA_ATTR_MGMTDEV_DEV_NAME, mgmtdev);
	}
}

LIBVHOST_EXPORT int libvhost_vdpa_dev_add(struct libvhost_ctx *ctx, const char *name,
					  const char *mgmtdev,
					  const struct libvhost_vdpa_dev_opts *opts)
{
	const uint8_t *mac = LVH_OPTS_GET(opts, mac, NULL);
	uint64_t mtu = LVH_OPTS_GET(opts, mtu, 0), vqp = LVH_OPTS_GET(opts, max_vq_pairs, 0);
	uint64_t features = LVH_OPTS_GET(opts, features, 0);
	const char *driver = LVH_OPTS_GET(opts, driver, NULL);
	char buf[NL_BUF], what[128], path[128];
	struct nlmsghdr *nlh;
	struct nl nl;
	int r;

	if (!ctx || !name_ok(name) || !mgmtdev || !*mgmtdev || strlen(mgmtdev) > 96 ||
	    LVH_OPTS_VALID(ctx, opts, libvhost_vdpa_dev_opts) < 0 || mtu > UINT16_MAX ||
	    vqp > UINT16_MAX || (driver && !name_ok(driver)))
		return -EINVAL;
	if (driver) {
		/* a driver the bus does not have: refused before a device is made */
		snprintf(path, sizeof(path), VDPA_BUS "/drivers/%s", driver);
		if (access(VDPA_BUS, F_OK) == 0 && access(path, F_OK) < 0 && errno == ENOENT) {
			lvh_err(ctx, "vdpa: add %s: no vDPA bus driver %s (modprobe %s)", name,
				driver, driver);
			return -ENOENT;
		}
	}
	r = nl_open(ctx, &nl);
	if (r < 0)
		return r;
	nlh = msg_start(&nl, buf, nl.family, VDPA_CMD_DEV_NEW, 0);
	mnl_attr_put_strz(nlh, VDPA_ATTR_DEV_NAME, name);
	put_mgmtdev(nlh, mgmtdev);
	if (mac)
		mnl_attr_put(nlh, VDPA_ATTR_DEV_NET_CFG_MACADDR, 6, mac);
	if (mtu)
		mnl_attr_put_u16(nlh, VDPA_ATTR_DEV_NET_CFG_MTU, (uint16_t)mtu);
	if (vqp)
		mnl_attr_put_u16(nlh, VDPA_ATTR_DEV_NET_CFG_MAX_VQP, (uint16_t)vqp);
	if (features)
		mnl_attr_put_u64(nlh, VDPA_ATTR_DEV_FEATURES, features);
	snprintf(what, sizeof(what), "vdpa: add %s on %s", name, mgmtdev);
	r = transact(&nl, nlh, NULL, NULL, what, CAP_NET_ADMIN);
	if (r == -ENODEV || r == -ENOENT)
		lvh_dbg(ctx, "%s: no management device %s", what, mgmtdev);
	nl_close(&nl);
	if (r == 0 && driver) {
		/*
		 * The device was probed as it was made, by whichever driver the
		 * bus tried first; a device that cannot be given to @driver is
		 * not left behind.
		 */
		r = libvhost_vdpa_dev_bind(ctx, name, driver);
		if (r < 0)
			libvhost_vdpa_dev_del(ctx, name);
	}
	return r;
}

LIBVHOST_EXPORT int libvhost_vdpa_dev_del(struct libvhost_ctx *ctx, const char *name)
{
	char buf[NL_BUF], what[96];
	struct nlmsghdr *nlh;
	struct nl nl;
	int r;

	if (!ctx || !name_ok(name))
		return -EINVAL;
	r = nl_open(ctx, &nl);
	if (r < 0)
		return r;
	nlh = msg_start(&nl, buf, nl.family, VDPA_CMD_DEV_DEL, 0);
	mnl_attr_put_strz(nlh, VDPA_ATTR_DEV_NAME, name);
	snprintf(what, sizeof(what), "vdpa: delete %s", name);
	r = transact(&nl, nlh, NULL, NULL, what, CAP_NET_ADMIN);
	if (r == -ENODEV || r == -ENOENT)
		lvh_dbg(ctx, "%s: no such device", what);
	nl_close(&nl);
	return r;
}

/* ---- devices ---- */

struct dev_list {
	libvhost_vdpa_dev_fn fn;
	void *ud;
};

static int dev_cb(const struct nlattr **tb, void *data)
{
	struct dev_list *l = data;
	struct libvhost_vdpa_devinfo d = { .sz = sizeof(d) };
	char bus[32], dev[64];

	copy_str(d.name, sizeof(d.name), tb[VDPA_ATTR_DEV_NAME]);
	copy_str(bus, sizeof(bus), tb[VDPA_ATTR_MGMTDEV_BUS_NAME]);
	copy_str(dev, sizeof(dev), tb[VDPA_ATTR_MGMTDEV_DEV_NAME]);
	snprintf(d.mgmtdev, sizeof(d.mgmtdev), "%s%s%s", bus, *bus ? "/" : "", dev);
	d.device_id = get_u32(tb[VDPA_ATTR_DEV_ID]);
	d.vendor_id = get_u32(tb[VDPA_ATTR_DEV_VENDOR_ID]);
	d.max_vqs = get_u32(tb[VDPA_ATTR_DEV_MAX_VQS]);
	d.max_vq_size = get_u16(tb[VDPA_ATTR_DEV_MAX_VQ_SIZE]);
	d.min_vq_size = get_u16(tb[VDPA_ATTR_DEV_MIN_VQ_SIZE]);
	if (name_ok(d.name))
		bound_driver(d.name, d.driver, sizeof(d.driver));
	return l->fn(l->ud, &d);
}

static int dev_query(struct libvhost_ctx *ctx, uint8_t cmd, const char *name, reply_fn fn,
		     void *data, const char *what, uint32_t *qindex)
{
	char buf[NL_BUF];
	struct nlmsghdr *nlh;
	struct nl nl;
	int r = nl_open(ctx, &nl);

	if (r < 0)
		return r;
	nlh = msg_start(&nl, buf, nl.family, cmd, name ? 0 : NLM_F_DUMP);
	if (name)
		mnl_attr_put_strz(nlh, VDPA_ATTR_DEV_NAME, name);
	if (qindex)
		mnl_attr_put_u32(nlh, VDPA_ATTR_DEV_QUEUE_INDEX, *qindex);
	r = transact(&nl, nlh, fn, data, what, -1);
	if (name && (r == -ENODEV || r == -ENOENT))
		lvh_dbg(ctx, "%s: no device %s", what, name);
	nl_close(&nl);
	return r;
}

LIBVHOST_EXPORT int libvhost_vdpa_dev_list(struct libvhost_ctx *ctx, libvhost_vdpa_dev_fn fn,
					   void *userdata)
{
	struct dev_list l = { fn, userdata };

	if (!ctx || !fn)
		return -EINVAL;
	return dev_query(ctx, VDPA_CMD_DEV_GET, NULL, dev_cb, &l, "vdpa: devices", NULL);
}

static int copy_devinfo(void *ud, const struct libvhost_vdpa_devinfo *d)
{
	struct libvhost_vdpa_devinfo *out = ud;
	size_t sz = out->sz < sizeof(*d) ? out->sz : sizeof(*d);

	memcpy((char *)out + sizeof(size_t), (const char *)d + sizeof(size_t), sz - sizeof(size_t));
	return 0;
}

LIBVHOST_EXPORT int libvhost_vdpa_dev_get(struct libvhost_ctx *ctx, const char *name,
					  struct libvhost_vdpa_devinfo *ret)
{
	struct dev_list l = { copy_devinfo, ret };

	if (!ctx || !name_ok(name) || !ret || ret->sz < sizeof(size_t) + 64)
		return -EINVAL;
	return dev_query(ctx, VDPA_CMD_DEV_GET, name, dev_cb, &l, "vdpa: device", NULL);
}

static int config_cb(const struct nlattr **tb, void *data)
{
	struct libvhost_vdpa_devconfig c = { .sz = sizeof(c) };
	struct libvhost_vdpa_devconfig *out = data;
	const struct nlattr *mac = tb[VDPA_ATTR_DEV_NET_CFG_MACADDR];
	size_t sz = out->sz < sizeof(c) ? out->sz : sizeof(c);

	if (mac && mnl_attr_get_payload_len(mac) == 6) {
		memcpy(c.mac, mnl_attr_get_payload(mac), 6);
		c.has_mac = 1;
	}
	if (tb[VDPA_ATTR_DEV_NET_STATUS] &&
	    mnl_attr_validate(tb[VDPA_ATTR_DEV_NET_STATUS], MNL_TYPE_U8) == 0) {
		c.net_status = mnl_attr_get_u8(tb[VDPA_ATTR_DEV_NET_STATUS]);
		c.has_net_status = 1;
	}
	c.max_vq_pairs = get_u16(tb[VDPA_ATTR_DEV_NET_CFG_MAX_VQP]);
	c.mtu = get_u16(tb[VDPA_ATTR_DEV_NET_CFG_MTU]);
	c.negotiated_features = get_u64(tb[VDPA_ATTR_DEV_NEGOTIATED_FEATURES]);
	memcpy((char *)out + sizeof(size_t), (const char *)&c + sizeof(size_t), sz - sizeof(size_t));
	return 0;
}

LIBVHOST_EXPORT int libvhost_vdpa_dev_config(struct libvhost_ctx *ctx, const char *name,
					     struct libvhost_vdpa_devconfig *ret)
{
	if (!ctx || !name_ok(name) || !ret || ret->sz < sizeof(size_t))
		return -EINVAL;
	return dev_query(ctx, VDPA_CMD_DEV_CONFIG_GET, name, config_cb, ret, "vdpa: config", NULL);
}

struct vstats {
	libvhost_vdpa_stat_fn fn;
	void *ud;
};

/* The vendor statistics are name/value pairs, repeated: walked in order. */
static int vstats_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vstats *v = data;
	const struct nlattr *a;
	const char *name = NULL;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == VDPA_ATTR_DEV_VENDOR_ATTR_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == VDPA_ATTR_DEV_VENDOR_ATTR_VALUE && name &&
			 mnl_attr_validate(a, MNL_TYPE_U64) == 0) {
			if (v->fn(v->ud, name, mnl_attr_get_u64(a)) < 0)
				return MNL_CB_STOP;
			name = NULL;
		}
	}
	return MNL_CB_OK;
}

LIBVHOST_EXPORT int libvhost_vdpa_dev_vstats(struct libvhost_ctx *ctx, const char *name,
					     uint32_t queue, libvhost_vdpa_stat_fn fn,
					     void *userdata)
{
	char buf[NL_BUF];
	struct vstats v = { fn, userdata };
	struct nlmsghdr *nlh;
	struct nl nl;
	ssize_t n;
	int r;

	if (!ctx || !name_ok(name) || !fn)
		return -EINVAL;
	r = nl_open(ctx, &nl);
	if (r < 0)
		return r;
	nlh = msg_start(&nl, buf, nl.family, VDPA_CMD_DEV_VSTATS_GET, 0);
	mnl_attr_put_strz(nlh, VDPA_ATTR_DEV_NAME, name);
	mnl_attr_put_u32(nlh, VDPA_ATTR_DEV_QUEUE_INDEX, queue);
	r = mnl_socket_sendto(nl.sock, nlh, nlh->nlmsg_len) < 0 ? -errno : 1;
	while (r > 0 && (n = mnl_socket_recvfrom(nl.sock, buf, sizeof(buf))) > 0)
		r = mnl_cb_run(buf, (size_t)n, nl.seq, nl.portid, vstats_msg_cb, &v);
	if (r < 0) {
		r = -errno;
		lvh_notice(ctx, "vdpa: statistics of %s queue %u: %s", name, queue, strerror(-r));
	}
	nl_close(&nl);
	return r < 0 ? r : 0;
}

#else /* !HAVE_LIBMNL */

LIBVHOST_EXPORT int libvhost_vdpa_mgmtdev_list(struct libvhost_ctx *ctx,
					       libvhost_vdpa_mgmtdev_fn fn, void *userdata)
{
	(void)ctx;
	(void)fn;
	(void)userdata;
	return -EOPNOTSUPP;
}

LIBVHOST_EXPORT int libvhost_vdpa_dev_add(struct libvhost_ctx *ctx, const char *name,
					  const char *mgmtdev,
					  const struct libvhost_vdpa_dev_opts *opts)
{
	(void)ctx;
	(void)name;
	(void)mgmtdev;
	(void)opts;
	return -EOPNOTSUPP;
}

LIBVHOST_EXPORT int libvhost_vdpa_dev_del(struct libvhost_ctx *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return -EOPNOTSUPP;
}

LIBVHOST_EXPORT int libvhost_vdpa_dev_list(struct libvhost_ctx *ctx, libvhost_vdpa_dev_fn fn,
					   void *userdata)
{
	(void)ctx;
	(void)fn;
	(void)userdata;
	return -EOPNOTSUPP;
}

LIBVHOST_EXPORT int libvhost_vdpa_dev_get(struct libvhost_ctx *ctx, const char *name,
					  struct libvhost_vdpa_devinfo *ret)
{
	(void)ctx;
	(void)name;
	(void)ret;
	return -EOPNOTSUPP;
}

LIBVHOST_EXPORT int libvhost_vdpa_dev_config(struct libvhost_ctx *ctx, const char *name,
					     struct libvhost_vdpa_devconfig *ret)
{
	(void)ctx;
	(void)name;
	(void)ret;
	return -EOPNOTSUPP;
}

LIBVHOST_EXPORT int libvhost_vdpa_dev_vstats(struct libvhost_ctx *ctx, const char *name,
					     uint32_t queue, libvhost_vdpa_stat_fn fn,
					     void *userdata)
{
	(void)ctx;
	(void)name;
	(void)queue;
	(void)fn;
	(void)userdata;
	return -EOPNOTSUPP;
}

#endif

/*
 * The character device of vDPA device @name: vhost_vdpa makes
 * /sys/bus/vdpa/devices/NAME/vhost-vdpa-N when it binds the device.
 */
LIBVHOST_EXPORT int libvhost_vdpa_dev_path(const char *name, char *buf, size_t len)
{
	char dir[128];
	struct dirent *e;
	DIR *d;
	int r;

	if (!name_ok(name) || !buf || !len)
		return -EINVAL;
	snprintf(dir, sizeof(dir), VDPA_BUS "/devices/%s", name);
	d = opendir(dir);
	if (!d) {
		r = errno == ENOENT ? dev_exists(name) : -errno;
		return r < 0 ? r : -ENODEV; /* (it came back meanwhile) */
	}
	/* none: the device is bound to another driver (virtio_vdpa) or to none */
	r = -ENXIO;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vhost-vdpa-", 11)) {
			r = snprintf(buf, len, "/dev/%s", e->d_name) < (int)len ? 0 : -ENAMETOOLONG;
			break;
		}
	closedir(d);
	return r;
}
