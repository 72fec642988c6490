# SPDX-License-Identifier: BSD-3-Clause
# Reads a valgrind --track-fds=yes log and prints the descriptors that the
# first process (the test program; not the children it forked) opened and
# left open at exit.  Inherited descriptors are not its doing.
NR == 1 {
	match($0, /^==[0-9]+==/)
	pid = substr($0, 1, RLENGTH)
}
pid == "" || index($0, pid " ") != 1 {
	next
}
{
	line = substr($0, length(pid) + 2)
}
pending != "" {
	if (line !~ /<inherited from parent>/)
		print pending
	pending = ""
}
line ~ /^Open .* [0-9]+:/ {
	pending = line
}
END {
	if (pending != "")
		print pending
}
