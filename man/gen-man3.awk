# SPDX-License-Identifier: BSD-3-Clause
# Makes the per-family API manual pages from include/libvhost.h:
#   awk -v outdir=DIR -v version=VERSION -f gen-man3.awk include/libvhost.h
# writes DIR/libvhost_FAMILY.3 for every family below and DIR/libvhost-links.txt
# ("FUNCTION FAMILY" a line: the page each exported function is on, for the
# .so link pages that man/man3-links.sh writes).
#
# The header is read as chunks (runs of lines between blank lines).  A chunk
# that declares functions goes to the page of its first function's family:
# its code (prototypes, with any comments between them) as an example block,
# then the comment that leads it as the description.  A chunk that declares
# none (types, constants, a comment on what follows) goes, verbatim, to the
# page of the next chunk that does.  Section titles (the header's
# "/* ---- */" and "/* ==== ... ==== */" lines) become subsections.
# Output depends on the header alone: same header, same pages.

function family(name)
{
	if (name ~ /^libvhost_(request|protocol)_/)
		return "proto"
	if (name == "libvhost_version")
		return "ctx"
	sub(/^libvhost_/, "", name)
	sub(/_.*/, "", name)
	return name
}

# roff-safe text: backslashes, and a leading control character
function esc(s)
{
	gsub(/\\/, "\\e", s)
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}

function reset_chunk()
{
	n = 0
	depth = 0
	incomment = 0
}

# the text of a comment line, without its delimiters
function ctext(s)
{
	sub(/^\/\*+ ?/, "", s)
	sub(/^ \*\/$/, "", s)
	sub(/^ \* ?/, "", s)
	sub(/^ \*$/, "", s)
	sub(/ *\*\/$/, "", s)
	return s
}

# the leading comment of a function chunk, as roff text
function para(out)
{
	if (out == "" || out ~ /\.PP\n$/)
		return out
	return out ".PP\n"
}

# @name in a comment: the parameter, in italics
function params(s,    out)
{
	out = ""
	while (match(s, /@[A-Za-z_][A-Za-z_0-9]*/)) {
		out = out substr(s, 1, RSTART - 1) "\\fI" substr(s, RSTART + 1, RLENGTH - 1) "\\fP"
		s = substr(s, RSTART + RLENGTH)
	}
	return out s
}

function render_text(from, to,    i, s, out, inex, m, inlist)
{
	out = ""
	inex = 0
	inlist = 0
	for (i = from; i <= to; i++) {
		s = ctext(line[i])
		if (s ~ /^\t/) {
			if (!inex)
				out = out ".PP\n.EX\n"
			inex = 1
			sub(/^\t+/, "", s)
			out = out esc(s) "\n"
			continue
		}
		if (inex) {
			out = out ".EE\n"
			inex = 0
		}
		if (s ~ /^[ \t]*$/) {
			out = para(out)
			inlist = 0
			continue
		}
		if (match(s, /^@[A-Za-z_0-9]+:/)) {
			m = substr(s, 2, RLENGTH - 2)
			s = substr(s, RLENGTH + 1)
			sub(/^[ \t]+/, "", s)
			out = out ".TP\n.I " m "\n"
			if (s != "")
				out = out params(esc(s)) "\n"
			continue
		}
		if (match(s, /^(Returns|Errors|Since):/)) {
			m = substr(s, 1, RLENGTH)
			s = substr(s, RLENGTH + 1)
			sub(/^[ \t]+/, "", s)
			out = para(out) ".B " m "\n"
			if (s != "")
				out = out params(esc(s)) "\n"
			inlist = 0
			continue
		}
		if (s ~ /^ *- /) {
			sub(/^ *- /, "", s)
			out = out ".IP \\(bu 2\n" params(esc(s)) "\n"
			inlist = 1
			continue
		}
		sub(/^[ \t]+/, "", s)
		out = out params(esc(s)) "\n"
	}
	if (inex)
		out = out ".EE\n"
	sub(/\.PP\n$/, "", out)
	return out
}

function render_code(from, to,    i, out)
{
	out = ".PP\n.EX\n"
	for (i = from; i <= to; i++)
		out = out esc(line[i]) "\n"
	return out ".EE\n"
}

function flush_chunk(    i, s, t, first, fam, lead_end, out, proto, inproto, name, cm)
{
	if (n == 0)
		return
	# a section title
	if (line[1] ~ /^\/\* --------* \*\/$/) {
		t = ""
		if (n >= 2 && line[2] ~ /^\/\*.*\*\/$/) {
			t = line[2]
			sub(/^\/\* */, "", t)
			sub(/ *\*\/$/, "", t)
		}
		if (t != "")
			pending = pending ".SS \"" esc(t) "\"\n"
		for (i = 3; i <= n; i++)
			more[++nmore] = line[i]
		reset_chunk()
		if (nmore > 0) {
			for (i = 1; i <= nmore; i++)
				line[i] = more[i]
			n = nmore
			nmore = 0
			flush_chunk()
		}
		return
	}
	if (n == 1 && match(line[1], /^\/\* ==== .* ==== \*\/$/)) {
		t = line[1]
		sub(/^\/\* ==== /, "", t)
		sub(/ ==== \*\/$/, "", t)
		pending = pending ".SS \"" esc(t) "\"\n"
		reset_chunk()
		return
	}
	# which lines are the leading comment, which declare functions
	fam = ""
	lead_end = 0
	cm = 0
	inproto = 0
	proto = ""
	for (i = 1; i <= n; i++) {
		s = line[i]
		if (lead_end == i - 1 && (cm || s ~ /^\/\*/)) {
			lead_end = i
			cm = (s ~ /\*\/ *$/) ? 0 : 1
			continue
		}
		if (inproto) {
			t = s
			sub(/^[ \t]+/, " ", t)
			proto = proto "\n" s
			if (s ~ /;/) {
				syn[curfam] = syn[curfam] esc_lines(proto)
				inproto = 0
			}
			continue
		}
		if (s ~ /^[A-Za-z]/ && s !~ /^(typedef|#)/ && match(s, /[ *]libvhost_[a-z0-9_]+\(/)) {
			name = substr(s, RSTART + 1, RLENGTH - 2)
			if (fam == "")
				fam = family(name)
			curfam = fam
			if (!(name in seen)) {
				seen[name] = fam
				names[fam] = names[fam] (names[fam] == "" ? "" : ", ") name
				links[++nlinks] = name " libvhost_" fam
			}
			proto = s
			if (s ~ /;/)
				syn[fam] = syn[fam] esc_lines(proto)
			else
				inproto = 1
		}
	}
	if (fam == "") {
		if (lead_end == n) {
			out = ".PP\n"
			for (i = 1; i <= n; i++) {
				s = ctext(line[i])
				sub(/^[ \t]+/, "", s)
				if (s ~ /^[ \t]*$/)
					out = para(out)
				else
					out = out params(esc(s)) "\n"
			}
			pending = pending out
		} else
			pending = pending render_code(1, n)
		reset_chunk()
		return
	}
	out = pending render_code(lead_end + 1, n)
	pending = ""
	if (lead_end > 0)
		out = out ".RS\n" render_text(1, lead_end) ".RE\n"
	body[fam] = body[fam] out
	reset_chunk()
}

function esc_lines(s,    k, nl, a, out)
{
	nl = split(s, a, "\n")
	out = ""
	for (k = 1; k <= nl; k++)
		out = out esc(a[k]) "\n"
	return out
}

BEGIN {
	nf = split("ctx proto mem vring dev frontend kdev vdpa backend vq vduse", fams, " ")
	title["ctx"] = "library context: logging, user data, the library version"
	title["proto"] = "the vhost-user protocol: constants and its message table"
	title["mem"] = "guest memory tables"
	title["vring"] = "driver-side virtqueues"
	title["dev"] = "vhost control, whatever the transport (vhost-user, kernel vhost, vDPA)"
	title["frontend"] = "vhost-user front-end"
	title["kdev"] = "kernel vhost devices (vhost-net, vhost-vsock, vhost-scsi)"
	title["vdpa"] = "vDPA devices and the vdpa management interface"
	title["backend"] = "vhost-user back-end"
	title["vq"] = "the virtqueues of a vhost-user back-end"
	title["vduse"] = "VDUSE devices: a device in this process that the host kernel drives"
	if (outdir == "")
		outdir = "."
	started = 0
	stopped = 0
	reset_chunk()
}

stopped { next }

!started {
	if ($0 ~ /^\/\* --------* \*\/$/)
		started = 1
	else
		next
}

/^#ifdef __cplusplus/ { flush_chunk(); stopped = 1; next }

{
	if (depth == 0 && !incomment && $0 ~ /^[ \t]*$/) {
		flush_chunk()
		next
	}
	line[++n] = $0
	t = $0
	if (!incomment && t ~ /^\/\*/ && t !~ /\*\//)
		incomment = 1
	else if (incomment && t ~ /\*\//)
		incomment = 0
	if (!incomment) {
		t = $0
		sub(/\/\*.*$/, "", t)
		depth += gsub(/\{/, "{", t) - gsub(/\}/, "}", t)
	}
}

END {
	flush_chunk()
	for (k = 1; k <= nf; k++) {
		f = fams[k]
		page = "libvhost_" f
		file = outdir "/" page ".3"
		up = toupper(page)
		print ".\\\" SPDX-License-Identifier: BSD-3-Clause" > file
		print ".\\\" Generated from include/libvhost.h by man/gen-man3.awk: edit the header." > file
		print ".TH " up " 3 \"\" \"libvhost " version "\" \"libvhost Manual\"" > file
		print ".nh" > file
		print ".ad l" > file
		print ".SH NAME" > file
		print page ", " names[f] " \\- " title[f] > file
		print ".SH SYNOPSIS" > file
		print ".nf" > file
		print ".B #include <libvhost.h>" > file
		print ".PP" > file
		printf "%s", syn[f] > file
		print ".fi" > file
		print ".PP" > file
		print "Link with" > file
		print ".IR \"$(pkg\\-config \\-\\-libs libvhost)\" ." > file
		print ".SH DESCRIPTION" > file
		print "The declarations of include/libvhost.h for this part of the API," > file
		print "in the header's order, each with the comment that documents it." > file
		print "The conventions every function follows (handles and references," > file
		print "option structs, descriptors, errors, threads, logging) are in" > file
		print ".BR libvhost (3)." > file
		printf "%s", body[f] > file
		print ".SH RETURN VALUE" > file
		print "A function that returns" > file
		print ".B int" > file
		print "returns a value >= 0 on success and a negative errno on failure;" > file
		print "objects come back through a trailing out\\-parameter, written only on success." > file
		print "The" > file
		print ".B Returns:" > file
		print "lines above give other meanings of the value where there are." > file
		print ".SH ERRORS" > file
		print "Each function's" > file
		print ".B Errors:" > file
		print "line above names the errors particular to it; the meaning of every" > file
		print "errno the library returns is in" > file
		print ".BR libvhost (3)." > file
		print ".SH SEE ALSO" > file
		sep = ""
		printf ".BR libvhost (3)" > file
		for (j = 1; j <= nf; j++)
			if (j != k)
				printf ",\n.BR libvhost_%s (3)", fams[j] > file
		print "" > file
		close(file)
	}
	file = outdir "/libvhost-links.txt"
	for (k = 1; k <= nlinks; k++)
		print links[k] > file
	close(file)
}
