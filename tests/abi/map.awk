# SPDX-License-Identifier: BSD-3-Clause
# Reads libvhost.map (after cstrip.awk) and prints one record a line:
#   node NAME PARENT   a version node (PARENT is "-" for none), in map order
#   sym NAME NODE      a global: symbol and its node
#   local NODE PATTERN a local: entry
#   error TEXT         anything that is not a version script we understand
function fail(msg)
{
	print "error " msg
	bad = 1
}

{
	line = $0
	gsub(/[{};]/, " & ", line)
	gsub(/:/, ": ", line)
	nt = split(line, t, /[ \t]+/)
	for (k = 1; k <= nt; k++)
		if (t[k] != "")
			tok[++ntok] = t[k]
}

END {
	node = ""
	section = ""
	for (k = 1; k <= ntok; k++) {
		x = tok[k]
		if (node == "") {
			if (tok[k + 1] != "{") {
				fail("expected NODE { at '" x "'")
				exit 1
			}
			node = x
			section = ""
			k++
			continue
		}
		if (x == "global:" || x == "local:") {
			section = x
			continue
		}
		if (x == "}") {
			parent = "-"
			if (tok[k + 1] != ";") {
				parent = tok[k + 1]
				k++
			}
			if (tok[k + 1] != ";") {
				fail("expected ; after the node " node)
				exit 1
			}
			k++
			print "node " node " " parent
			node = ""
			continue
		}
		if (tok[k + 1] != ";") {
			fail("expected ; after '" x "' in node " node)
			exit 1
		}
		k++
		if (section == "global:")
			print "sym " x " " node
		else if (section == "local:")
			print "local " node " " x
		else
			fail("'" x "' outside global: or local: in node " node)
	}
	if (node != "")
		fail("node " node " is not closed")
	if (!ntok)
		fail("empty map")
}
