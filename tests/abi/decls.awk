# SPDX-License-Identifier: BSD-3-Clause
# Scans C text (after cstrip.awk) one declaration at a time.  mode=:
#   proto    the name of every function declared (not typedefs, not static)
#   export   the name of every function defined or declared LIBVHOST_EXPORT
#   struct   "NAME MEMBER" for every member of every struct defined
# Anything it cannot take apart is printed as "?TEXT", which no list matches.

# drop __attribute__((...)) and upper-case macros, called or not (LIBVHOST_EXPORT,
# LIBVHOST_DEPRECATED("..."), LIBVHOST_PRINTF(3, 4))
function unmacro(s,    out, m, depth, i, c)
{
	out = ""
	while (match(s, /__attribute__|[A-Z_][A-Z0-9_]*/)) {
		m = substr(s, RSTART, RLENGTH)
		# an identifier only if it stands alone (not inside a lower-case one)
		if ((RSTART > 1 && substr(s, RSTART - 1, 1) ~ /[A-Za-z0-9_]/) ||
		    substr(s, RSTART + RLENGTH, 1) ~ /[a-z0-9_]/ && m != "__attribute__") {
			out = out substr(s, 1, RSTART + RLENGTH - 1)
			s = substr(s, RSTART + RLENGTH)
			continue
		}
		out = out substr(s, 1, RSTART - 1) " "
		s = substr(s, RSTART + RLENGTH)
		sub(/^[ \t]*/, "", s)
		if (substr(s, 1, 1) != "(")
			continue
		depth = 0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "(")
				depth++
			else if (c == ")" && --depth == 0)
				break
		}
		s = substr(s, i + 1)
	}
	return out s
}

# the identifier just before the first "(", if that "(" opens a parameter list
function funcname(s,    p, head)
{
	p = index(s, "(")
	if (!p)
		return ""
	if (substr(s, p + 1) ~ /^[ \t]*\*/)
		return "" # a function pointer, not a function
	head = substr(s, 1, p - 1)
	sub(/[ \t]+$/, "", head)
	if (!match(head, /[A-Za-z_][A-Za-z0-9_]*$/))
		return "?" s
	return substr(head, RSTART, RLENGTH)
}

{
	text = text " " $0
}

END {
	# one statement a line: split at ; { and }, remembering which ended it
	n = 0
	while (match(text, /[;{}]/)) {
		stmt[++n] = substr(text, 1, RSTART - 1)
		end[n] = substr(text, RSTART, 1)
		text = substr(text, RSTART + 1)
	}
	depth = 0
	for (k = 1; k <= n; k++) {
		s = stmt[k]
		gsub(/[ \t]+/, " ", s)
		sub(/^ /, "", s)
		sub(/ $/, "", s)
		if (mode == "export" && s ~ /(^|[^A-Za-z0-9_])LIBVHOST_EXPORT([^A-Za-z0-9_]|$)/) {
			f = funcname(unmacro(s))
			print (f == "" ? "?" s : f)
		} else if (mode == "proto" && depth == 0 && s != "" &&
			   s !~ /^(typedef|static|extern "")( |$)/) {
			f = funcname(unmacro(s))
			if (f != "")
				print f
		} else if (mode == "struct") {
			if (end[k] == "{" && depth == 0)
				sname = s ~ /^struct [A-Za-z_][A-Za-z0-9_]*$/ ? substr(s, 8) : ""
			else if (sname != "" && depth == 1 && end[k] == ";" && s != "") {
				m = s
				sub(/ ?(\[[^]]*\] ?)+$/, "", m) # arrays
				sub(/ ?: ?[0-9]+$/, "", m) # bit-fields
				if (index(m, "(")) {
					# function pointer member: (*name)(...)
					if (match(m, /\( ?\* ?[A-Za-z_][A-Za-z0-9_]* ?\)/)) {
						m = substr(m, RSTART, RLENGTH)
						gsub(/[ ()*]/, "", m)
					} else {
						m = "?" s
					}
				} else if (match(m, /[A-Za-z_][A-Za-z0-9_]*$/)) {
					m = substr(m, RSTART, RLENGTH)
				} else {
					m = "?" s
				}
				print sname " " m
			} else if (end[k] == "{" && depth == 1 && sname != "") {
				print sname " ?nested " s
			}
		}
		if (end[k] == "{" && s != "extern \"\"")
			depth++
		else if (end[k] == "}" && depth > 0)
			depth--
	}
}
