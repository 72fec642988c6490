/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-ctl: inspect and drive vhost devices through libvhost's public API.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include <libvhost.h>

#include "tool-caps.h"

#include "vhost-ctl.h"


static void usage(FILE *out)
{
	fprintf(out, "Usage: vhost-ctl [--help] [--version] COMMAND [ARGS]\n"
		     "\n"
		     "Commands:\n"
		     "  version     print the libvhost version\n"
		     "  messages    print the vhost-user message table libvhost implements\n"
		     "              [--json]\n"
		     "  probe       connect to a vhost-user back-end and describe it\n"
		     "              --socket PATH [--json]\n"
		     "  blk         drive a vhost-user-blk back-end as a virtio-blk driver\n"
		     "              --socket PATH (--verify | --bench) [--rw read|write|randread|\n"
		     "              randwrite] [--bs N] [--iodepth N] [--queues N] [--time S]\n"
		     "              [--packed] [--json]\n"
		     "  vdpa        vDPA device management\n"
		     "              list | add NAME --mgmtdev M [--mac MAC] [--mtu N] [--max-vqp N]\n"
		     "              | del NAME | show NAME [--queue N]\n");
}

static void print_dir(int dir, const char *title, int json, int *first)
{
	uint32_t req;

	if (!json)
		printf("%s\n  %-4s %-36s %s\n", title, "id", "request", "needs protocol feature");
	for (req = 0; req < 256; req++) {
		const char *name = libvhost_request_name(dir, req);
		int gate;

		if (!name)
			continue;
		gate = libvhost_request_protocol_feature(dir, req);
		if (json) {
			printf("%s\n    {\"direction\": \"%s\", \"id\": %" PRIu32 ", \"name\": \"%s\", "
			       "\"protocol_feature\": ",
			       *first ? "" : ",", dir == LIBVHOST_USER_DIR_FRONTEND ? "front-end" : "back-end",
			       req, name);
			if (gate >= 0)
				printf("\"%s\"}", libvhost_protocol_feature_name((unsigned int)gate));
			else
				printf("null}");
			*first = 0;
		} else {
			printf("  %-4" PRIu32 " %-36s %s\n", req, name,
			       gate >= 0 ? libvhost_protocol_feature_name((unsigned int)gate) : "-");
		}
	}
}

static int cmd_messages(int argc, char **argv)
{
	uint64_t known = libvhost_protocol_features_known();
	int json = argc > 1 && strcmp(argv[1], "--json") == 0;
	int first = 1;
	unsigned int bit;

	if (json) {
		printf("{\n  \"version\": \"%s\",\n  \"requests\": [", libvhost_version());
		print_dir(LIBVHOST_USER_DIR_FRONTEND, NULL, 1, &first);
		print_dir(LIBVHOST_USER_DIR_BACKEND, NULL, 1, &first);
		printf("\n  ],\n  \"protocol_features\": [");
		for (bit = 0; bit < 64; bit++)
			if (known & (1ULL << bit))
				printf("%s\n    {\"bit\": %u, \"name\": \"%s\"}", bit ? "," : "", bit,
				       libvhost_protocol_feature_name(bit));
		printf("\n  ]\n}\n");
		return 0;
	}
	printf("libvhost %s\n\n", libvhost_version());
	print_dir(LIBVHOST_USER_DIR_FRONTEND, "Front-end requests (front-end -> back-end):", 0,
		  &first);
	printf("\n");
	print_dir(LIBVHOST_USER_DIR_BACKEND, "Back-end requests (back-end -> front-end):", 0,
		  &first);
	printf("\nProtocol features:\n");
	for (bit = 0; bit < 64; bit++)
		if (known & (1ULL << bit))
			printf("  %-4u %s\n", bit, libvhost_protocol_feature_name(bit));
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, keep = -1;

	/*
	 * Give up every capability before any input; vdpa add and del keep
	 * CAP_NET_ADMIN (12), which the kernel asks for, if it was held; vdpa
	 * bind keeps CAP_DAC_OVERRIDE (1) for the sysfs files only root may
	 * write (root writes them as their owner, with no capability).
	 */
	if (argc > 2 && !strcmp(argv[1], "vdpa") && (!strcmp(argv[2], "add") || !strcmp(argv[2], "del")))
		keep = 12;
	else if (argc > 2 && !strcmp(argv[1], "vdpa") && !strcmp(argv[2], "bind"))
		keep = 1;
	if (tool_keep_capability("vhost-ctl", keep) < 0)
		return EXIT_FAILURE;
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("vhost-ctl (libvhost) %s\n", libvhost_version());
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[0], "probe") == 0)
		return cmd_probe(argc, argv);
	if (strcmp(argv[0], "blk") == 0)
		return cmd_blk(argc, argv);
	if (strcmp(argv[0], "vdpa") == 0)
		return cmd_vdpa(argc, argv);
	if (strcmp(argv[0], "version") == 0) {
		printf("%s\n", libvhost_version());
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[0], "messages") == 0)
		return cmd_messages(argc, argv) ? EXIT_FAILURE : EXIT_SUCCESS;
	fprintf(stderr, "vhost-ctl: unknown command '%s'\n", argv[0]);
	usage(stderr);
	return 2;
}
