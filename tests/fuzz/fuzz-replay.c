/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs the fuzz targets' entry point over files, without libFuzzer: `make
 * check` replays the seed corpus through it in every build, so the harness
 * compiles and its invariants hold even where clang is absent.
 *
 * Usage: fuzz-*-replay [--whole] FILE|DIR...  Each input is run, then every
 * prefix of it; --whole runs the inputs after it as they are, without their
 * prefixes (the committed corpus, grown by libFuzzer, which ran its own
 * truncations: its prefixes would cost as many runs as it has bytes).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path, int prefixes)
{
	static uint8_t buf[1 << 16];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	/* every prefix too: truncated streams are the commonest hostile input */
	while (prefixes && n > 0)
		LLVMFuzzerTestOneInput(buf, --n);
	return 0;
}

int main(int argc, char **argv)
{
	int i, files = 0, prefixes = 1, whole = 0;

	for (i = 1; i < argc; i++) {
		DIR *d;
		struct dirent *e;
		char path[4096];

		if (!strcmp(argv[i], "--whole")) {
			prefixes = 0;
			continue;
		}
		d = opendir(argv[i]);
		if (!d) {
			if (run_file(argv[i], prefixes) < 0)
				return 1;
			files++;
			whole += !prefixes;
			continue;
		}
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (run_file(path, prefixes) < 0)
				return 1;
			files++;
			whole += !prefixes;
		}
		closedir(d);
	}
	printf("replayed %d inputs, %d of them without their prefixes\n", files, whole);
	return files ? 0 : 1;
}
