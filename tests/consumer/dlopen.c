/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hypervisor's view: dlopen() the built library, then dlvsym() every
 * symbol of libvhost.map at the node the map puts it in; then 1,000
 * dlopen/dlclose cycles (run under valgrind by dlopen.sh to catch leaks).
 * Usage: dlopen LIBRARY MAP [CYCLES]
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*ctx_new_fn)(const void *opts, void **ret);
typedef void *(*ctx_unref_fn)(void *ctx);

static int check_map(void *h, const char *map_path)
{
	char line[256], node[160] = "", name[128];
	int n = 0, missing = 0, in_global = 0;
	FILE *f = fopen(map_path, "r");

	if (!f) {
		perror(map_path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (sscanf(p, "LIBVHOST_%63[0-9.] {", name) == 1) {
			snprintf(node, sizeof(node), "LIBVHOST_%s", name);
			continue;
		}
		if (strncmp(p, "global:", 7) == 0) {
			in_global = 1;
			continue;
		}
		if (strncmp(p, "local:", 6) == 0 || *p == '}') {
			in_global = 0;
			continue;
		}
		if (!in_global || sscanf(p, "%127[a-z0-9_];", name) != 1)
			continue;
		n++;
		if (!dlvsym(h, name, node)) {
			printf("FAIL: dlvsym(%s, %s): %s\n", name, node, dlerror());
			missing++;
		}
	}
	fclose(f);
	if (!n) {
		printf("FAIL: no symbols in %s\n", map_path);
		return -1;
	}
	printf("dlvsym: %d symbols found at their map nodes\n", n);
	return missing ? -1 : 0;
}

int main(int argc, char **argv)
{
	int cycles = argc > 3 ? atoi(argv[3]) : 1000, i;
	void *h;

	if (argc < 3) {
		fprintf(stderr, "usage: %s LIBRARY MAP [CYCLES]\n", argv[0]);
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		printf("FAIL: dlopen: %s\n", dlerror());
		return 1;
	}
	if (check_map(h, argv[2]) < 0)
		return 1;
	dlclose(h);

	for (i = 0; i < cycles; i++) {
		ctx_new_fn ctx_new;
		ctx_unref_fn ctx_unref;
		void *ctx = NULL;

		h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			printf("FAIL: dlopen #%d: %s\n", i, dlerror());
			return 1;
		}
		/* use it a little each time: a context made and freed */
		ctx_new = (ctx_new_fn)dlvsym(h, "libvhost_ctx_new", "LIBVHOST_0.1");
		ctx_unref = (ctx_unref_fn)dlvsym(h, "libvhost_ctx_unref", "LIBVHOST_0.1");
		if (!ctx_new || !ctx_unref || ctx_new(NULL, &ctx) < 0) {
			printf("FAIL: cycle %d: libvhost_ctx_new\n", i);
			return 1;
		}
		ctx_unref(ctx);
		dlclose(h);
	}
	printf("%d dlopen/dlclose cycles\n", cycles);
	return 0;
}
