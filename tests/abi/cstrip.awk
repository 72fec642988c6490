# SPDX-License-Identifier: BSD-3-Clause
# C (and linker-script) text without its comments and preprocessor directives,
# so the scanners that follow see declarations only.  Strings and character
# constants lose their contents (just the quotes stay); a comment becomes one
# space.
{
	s = $0
	out = ""
	n = length(s)
	i = 1
	while (i <= n) {
		c = substr(s, i, 1)
		c2 = substr(s, i, 2)
		if (incomment) {
			if (c2 == "*/") {
				incomment = 0
				out = out " "
				i += 2
			} else {
				i++
			}
			continue
		}
		if (quote != "") {
			if (c == "\\") {
				i += 2
				continue
			}
			if (c == quote) {
				out = out c
				quote = ""
			}
			i++
			continue
		}
		if (c2 == "/*") {
			incomment = 1
			i += 2
			continue
		}
		if (c2 == "//")
			break
		if (c == "\"" || c == "'")
			quote = c
		out = out c
		i++
	}
	quote = ""
	continued = s ~ /\\$/
	if (indirective) {
		indirective = continued
		print ""
		next
	}
	if (out ~ /^[ \t]*#/) {
		indirective = continued
		print ""
		next
	}
	print out
}
