/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * json-get - a strict reader of one JSON text (RFC 8259), for the tests of
 * discovery data without python or jq.
 *
 *   json-get FILE        the top-level object's member names, one a line
 *   json-get FILE NAME   that member: a string, or each string of an array
 *                        of strings, one a line ("" for an empty array)
 *
 * Exit 0; 1 for a usage or read error; 2 when FILE is not one JSON object
 * (bad syntax, a duplicate member name, trailing bytes, a control character
 * in a string); 3 when NAME is absent; 4 when it is neither a string nor an
 * array of strings.  FILE "-" is stdin.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAMES 64
#define MAX_STR 4096

struct p {
	const char *s;
	size_t i, n;
	int depth;
};

static void ws(struct p *p)
{
	while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]))
		p->i++;
}

static bool lit(struct p *p, const char *w)
{
	size_t l = strlen(w);

	if (p->n - p->i < l || memcmp(p->s + p->i, w, l) != 0)
		return false;
	p->i += l;
	return true;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A string into @out (NUL-terminated; \u escapes past ASCII are refused). */
static bool str(struct p *p, char *out)
{
	size_t o = 0;

	if (p->i >= p->n || p->s[p->i] != '"')
		return false;
	p->i++;
	while (p->i < p->n) {
		unsigned char c = (unsigned char)p->s[p->i++];

		if (c == '"') {
			out[o] = 0;
			return true;
		}
		if (c < 0x20 || o + 1 >= MAX_STR)
			return false;
		if (c == '\\') {
			const char *esc = "\"\"\\\\//b\bf\fn\nr\rt\t", *e;
			int v = 0, k;

			if (p->i >= p->n)
				return false;
			c = (unsigned char)p->s[p->i++];
			if (c == 'u') {
				for (k = 0; k < 4; k++) {
					if (p->i >= p->n || hex(p->s[p->i]) < 0)
						return false;
					v = v * 16 + hex(p->s[p->i++]);
				}
				if (v == 0 || v > 0x7f)
					return false;
				c = (unsigned char)v;
			} else {
				for (e = esc; *e && *e != (char)c; e += 2)
					;
				if (!*e)
					return false;
				c = (unsigned char)e[1];
			}
		}
		out[o++] = (char)c;
	}
	return false;
}

static bool number(struct p *p)
{
	size_t d;

	lit(p, "-");
	if (lit(p, "0")) {
	} else {
		d = p->i;
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
		if (d == p->i)
			return false;
	}
	if (lit(p, ".")) {
		d = p->i;
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
		if (d == p->i)
			return false;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (!lit(p, "+"))
			lit(p, "-");
		d = p->i;
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
		if (d == p->i)
			return false;
	}
	return true;
}

static bool value(struct p *p);

static bool array(struct p *p)
{
	p->i++;
	ws(p);
	if (lit(p, "]"))
		return true;
	for (;;) {
		if (!value(p))
			return false;
		ws(p);
		if (lit(p, "]"))
			return true;
		if (!lit(p, ","))
			return false;
	}
}

static bool object(struct p *p)
{
	static char k[MAX_STR];

	p->i++;
	ws(p);
	if (lit(p, "}"))
		return true;
	for (;;) {
		ws(p);
		if (!str(p, k))
			return false;
		ws(p);
		if (!lit(p, ":") || !value(p))
			return false;
		ws(p);
		if (lit(p, "}"))
			return true;
		if (!lit(p, ","))
			return false;
	}
}

static bool value(struct p *p)
{
	static char tmp[MAX_STR];
	bool ok;

	ws(p);
	if (p->i >= p->n || ++p->depth > 64)
		return false;
	switch (p->s[p->i]) {
	case '{':
		ok = object(p);
		break;
	case '[':
		ok = array(p);
		break;
	case '"':
		ok = str(p, tmp);
		break;
	case 't':
		ok = lit(p, "true");
		break;
	case 'f':
		ok = lit(p, "false");
		break;
	case 'n':
		ok = lit(p, "null");
		break;
	default:
		ok = number(p);
	}
	p->depth--;
	return ok;
}

/* @name's value, or each string of it, to stdout: 0, 4 (another type). */
static int print_member(struct p *p)
{
	static char s[MAX_STR];
	int n = 0;

	ws(p);
	if (p->i < p->n && p->s[p->i] == '"') {
		str(p, s);
		puts(s);
		return 0;
	}
	if (!lit(p, "["))
		return 4;
	for (;;) {
		ws(p);
		if (lit(p, "]"))
			break;
		if (n && !lit(p, ","))
			return 4;
		ws(p);
		if (!str(p, s))
			return 4;
		puts(s);
		n++;
	}
	if (!n)
		puts("");
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16], names[MAX_NAMES][MAX_STR];
	struct p p = { .s = buf };
	size_t vat[MAX_NAMES];
	FILE *f;
	int i, j, count = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: json-get FILE [NAME]\n");
		return 1;
	}
	f = strcmp(argv[1], "-") ? fopen(argv[1], "r") : stdin;
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	p.n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f) || p.n == sizeof(buf)) {
		fprintf(stderr, "json-get: %s: unreadable or too long\n", argv[1]);
		return 1;
	}
	if (f != stdin)
		fclose(f);
	if (memchr(buf, 0, p.n))
		return 2;
	/* the whole text first: one value, nothing after it */
	if (!value(&p))
		goto bad;
	ws(&p);
	if (p.i != p.n)
		goto bad;
	/* then the top-level object's members again, named and checked unique */
	p.i = 0;
	ws(&p);
	if (!lit(&p, "{"))
		goto bad;
	ws(&p);
	if (!lit(&p, "}")) {
		for (;;) {
			ws(&p);
			if (count == MAX_NAMES || !str(&p, names[count]))
				goto bad;
			for (j = 0; j < count; j++)
				if (!strcmp(names[j], names[count]))
					goto bad;
			ws(&p);
			lit(&p, ":");
			vat[count++] = p.i;
			value(&p);
			ws(&p);
			if (lit(&p, "}"))
				break;
			lit(&p, ",");
		}
	}
	for (i = 0; i < count; i++) {
		if (argc == 2) {
			puts(names[i]);
		} else if (!strcmp(names[i], argv[2])) {
			p.i = vat[i];
			return print_member(&p);
		}
	}
	return argc == 2 ? 0 : 3;
bad:
	fprintf(stderr, "json-get: %s: not one JSON object (near byte %zu)\n", argv[1], p.i);
	return 2;
}
