/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-ctl vdpa: vDPA device management (list, add, del, show) through
 * libvhost's generic netlink API, in the spirit of iproute2's vdpa tool,
 * and the choice of the bus driver a device is bound to (bind).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvhost.h>

#include "tool-log.h"
#include "vhost-ctl.h"

static const char *class_names[] = { [1] = "net", [2] = "block", [3] = "console",
				     [4] = "entropy", [5] = "balloon", [8] = "scsi",
				     [9] = "9p", [19] = "vsock", [26] = "fs" };

static void print_classes(uint64_t classes)
{
	unsigned int i;
	const char *sep = "";

	for (i = 0; i < 64; i++)
		if (classes & (1ULL << i)) {
			if (i < sizeof(class_names) / sizeof(class_names[0]) && class_names[i])
				printf("%s%s", sep, class_names[i]);
			else
				printf("%sclass%u", sep, i);
			sep = " ";
		}
}

static int show_mgmtdev(void *ud, const struct libvhost_vdpa_mgmtdev *m)
{
	(void)ud;
	printf("mgmtdev %s%s%s: classes ", m->bus, *m->bus ? "/" : "", m->name);
	print_classes(m->classes);
	if (m->max_vqs)
		printf(", max_vqs %u", m->max_vqs);
	if (m->features)
		printf(", features %#" PRIx64, m->features);
	printf("\n");
	return 0;
}

static int show_dev(void *ud, const struct libvhost_vdpa_devinfo *d)
{
	char path[64];

	(void)ud;
	printf("dev %s: mgmtdev %s, virtio device id %u (", d->name, d->mgmtdev, d->device_id);
	print_classes(1ULL << (d->device_id < 64 ? d->device_id : 0));
	printf("), vendor %#x, max_vqs %u, vq size %u..%u", d->vendor_id, d->max_vqs,
	       d->min_vq_size, d->max_vq_size);
	if (*d->driver)
		printf(", driver %s", d->driver);
	else
		printf(", no driver");
	if (libvhost_vdpa_dev_path(d->name, path, sizeof(path)) == 0)
		printf(", %s", path);
	printf("\n");
	return 0;
}

static int show_stat(void *ud, const char *name, uint64_t value)
{
	(void)ud;
	printf("  %s %" PRIu64 "\n", name, value);
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6], i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: vhost-ctl vdpa list\n"
		     "       vhost-ctl vdpa add NAME --mgmtdev MGMTDEV [--mac XX:XX:XX:XX:XX:XX]\n"
		     "                          [--mtu N] [--max-vqp N] [--driver DRIVER]\n"
		     "       vhost-ctl vdpa bind NAME DRIVER   (vhost_vdpa or virtio_vdpa)\n"
		     "       vhost-ctl vdpa del NAME\n"
		     "       vhost-ctl vdpa show NAME [--queue N]\n");
}

static int report(const char *what, int r, unsigned int mark)
{
	tool_fail("vhost-ctl vdpa", what, r, mark);
	return r < 0 ? 1 : 0;
}

/* call's result, reported unless libvhost said why (the kernel's doing) */
#define REPORT(what, call) (mark = tool_log_errors(), report((what), (call), mark))

int cmd_vdpa(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mgmtdev", required_argument, NULL, 'm' }, { "mac", required_argument, NULL, 'a' },
		{ "mtu", required_argument, NULL, 't' },     { "max-vqp", required_argument, NULL, 'q' },
		{ "queue", required_argument, NULL, 'Q' },   { "driver", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },	     { NULL, 0, NULL, 0 },
	};
	LIBVHOST_OPTS(libvhost_vdpa_dev_opts, o);
	const char *mgmtdev = NULL, *sub;
	struct libvhost_ctx *ctx;
	uint8_t mac[6];
	unsigned long queue = 0;
	unsigned int mark;
	int c, r;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	sub = argv[1];
	/* parse "SUB NAME --options" afresh (optind 0 resets getopt; NAME may come first) */
	argc--;
	argv++;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mgmtdev = optarg;
			break;
		case 'a':
			if (parse_mac(optarg, mac) < 0) {
				fprintf(stderr, "vhost-ctl vdpa: --mac %s: not XX:XX:XX:XX:XX:XX\n",
					optarg);
				return 2;
			}
			o.mac = mac;
			break;
		case 't':
			o.mtu = strtoul(optarg, NULL, 0);
			break;
		case 'q':
			o.max_vq_pairs = strtoul(optarg, NULL, 0);
			break;
		case 'Q':
			queue = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			o.driver = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (tool_ctx_new(&ctx) < 0)
		return 1;
	if (!strcmp(sub, "list")) {
		r = REPORT("management devices", libvhost_vdpa_mgmtdev_list(ctx, show_mgmtdev, NULL));
		if (!r)
			r = REPORT("devices", libvhost_vdpa_dev_list(ctx, show_dev, NULL));
	} else if (!strcmp(sub, "add") && optind < argc && mgmtdev) {
		r = REPORT("add", libvhost_vdpa_dev_add(ctx, argv[optind], mgmtdev, &o));
	} else if (!strcmp(sub, "bind") && optind + 1 < argc) {
		r = REPORT("bind", libvhost_vdpa_dev_bind(ctx, argv[optind], argv[optind + 1]));
	} else if (!strcmp(sub, "del") && optind < argc) {
		r = REPORT("del", libvhost_vdpa_dev_del(ctx, argv[optind]));
	} else if (!strcmp(sub, "show") && optind < argc) {
		struct libvhost_vdpa_devinfo d = { .sz = sizeof(d) };
		struct libvhost_vdpa_devconfig cfg = { .sz = sizeof(cfg) };

		r = REPORT("show", libvhost_vdpa_dev_get(ctx, argv[optind], &d));
		if (!r) {
			show_dev(NULL, &d);
			if (libvhost_vdpa_dev_config(ctx, argv[optind], &cfg) == 0) {
				if (cfg.has_mac)
					printf("  mac %02x:%02x:%02x:%02x:%02x:%02x\n", cfg.mac[0],
					       cfg.mac[1], cfg.mac[2], cfg.mac[3], cfg.mac[4], cfg.mac[5]);
				if (cfg.has_net_status)
					printf("  link %s\n", cfg.net_status & 1 ? "up" : "down");
				if (cfg.max_vq_pairs)
					printf("  max_vq_pairs %u\n", cfg.max_vq_pairs);
				if (cfg.mtu)
					printf("  mtu %u\n", cfg.mtu);
				printf("  negotiated features %#" PRIx64 "\n",
				       cfg.negotiated_features);
			}
			if (libvhost_vdpa_dev_vstats(ctx, argv[optind], (uint32_t)queue, show_stat,
						     NULL) == 0)
				printf("  (queue %lu statistics above)\n", queue);
		}
	} else {
		usage(stderr);
		r = 2;
	}
	libvhost_ctx_unref(ctx);
	return r;
}
