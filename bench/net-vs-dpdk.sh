#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# libvhost's vhost-user-net against DPDK's own vhost PMD (librte_vhost), each
# as the device of DPDK's virtio_user PMD in dpdk-testpmd, in the same sitting:
# for every cell of {64, 1518 B} x {guest TX, guest RX} x {split, packed} the
# two devices run in turn (A/B, then B/A, ...), each run bracketed by a
# bench/pingpong probe.  The figure is the receiver's Rx rate: the median of
# its 1 s samples, the first and last dropped.  Prints numbers; asserts
# nothing (bench/README explains how to read them).
#   sh bench/net-vs-dpdk.sh [BUILDDIR] [SECONDS] [ROUNDS]
# SECONDS of traffic per run (default 10), ROUNDS of A/B (default 3).  To
# run part of the grid: LIBVHOST_BENCH_SIZES="64 1518",
# LIBVHOST_BENCH_DIRS="tx rx", LIBVHOST_BENCH_LAYOUTS="split packed".
# LIBVHOST_BENCH_KEEP=1 keeps the logs.  Best as root (hugepages, SCHED_RR).
set -u
build=${1:-.}
secs=${2:-10}
rounds=${3:-${LIBVHOST_BENCH_ROUNDS:-3}}
sizes=${LIBVHOST_BENCH_SIZES:-64 1518}
dirs=${LIBVHOST_BENCH_DIRS:-tx rx}
layouts=${LIBVHOST_BENCH_LAYOUTS:-split packed}
net=$build/tools/vhost-user-net
probe=$build/bench/pingpong

say() { printf '%s\n' "$*"; }
warn() { printf 'net-vs-dpdk: %s\n' "$*" >&2; }
die() { warn "$*"; exit 1; }

case $secs in '' | *[!0-9]*) die "SECONDS is a whole number of seconds" ;; esac
case $rounds in '' | *[!0-9]*) die "ROUNDS is a whole number" ;; esac
[ "$secs" -ge 4 ] || die "SECONDS must be at least 4 (the first and last samples are dropped)"
[ "$rounds" -ge 1 ] || die "ROUNDS must be at least 1"
pmd=$(command -v dpdk-testpmd) || die "dpdk-testpmd is not installed"
[ -x "$net" ] || die "$net not built (make)"
[ -x "$probe" ] || die "$probe not built (make)"

d=$(mktemp -d /tmp/lvh-net-vs-dpdk.XXXXXX) || exit 1
pids=
pfx_dev=lvhnd$$
pfx_drv=lvhnu$$

# The DPDK runtime directories and hugepage files of both prefixes.
dpdk_clean() {
	rm -rf "/var/run/dpdk/$pfx_dev" "/var/run/dpdk/$pfx_drv" \
		"${XDG_RUNTIME_DIR:-/tmp}/dpdk/$pfx_dev" "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$pfx_drv" \
		"/tmp/dpdk/$pfx_dev" "/tmp/dpdk/$pfx_drv" 2>/dev/null
	if [ -n "$hugedir" ]; then
		rm -f "$hugedir/$pfx_dev"map_* "$hugedir/$pfx_drv"map_* 2>/dev/null
	fi
}

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	dpdk_clean
	if [ "${LIBVHOST_BENCH_KEEP:-0}" = 1 ]; then
		warn "logs kept in $d"
	else
		rm -rf "$d"
	fi
}
hugedir=
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- privileges: hugepages and SCHED_RR ----
root=0
[ "$(id -u)" = 0 ] && root=1
hugedir=$(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts)
if [ $root = 1 ]; then
	have=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
	[ "$have" -ge 1024 ] || echo 1024 > /proc/sys/vm/nr_hugepages 2>/dev/null
	if [ -z "$hugedir" ]; then
		mkdir -p /dev/hugepages &&
			mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null &&
			hugedir=/dev/hugepages
	fi
fi
free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
size_kb=$(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo)
# two processes of -m 512
if [ -n "$hugedir" ] && [ -w "$hugedir" ] && [ "${free:-0}" -gt 0 ] &&
	[ $((${free:-0} * ${size_kb:-0})) -ge $((1024 * 1024)) ]; then
	mem="-m 512"
	memnote="hugepages ($free of ${size_kb} kB free, $hugedir)"
else
	mem="--no-huge -m 512"
	memnote="--no-huge (memfd)"
	warn "WARNING: no usable hugepages (1 GiB free in a writable hugetlbfs is needed;"
	warn "  as root this script sets them up): running with --no-huge, which DPDK"
	warn "  finds about 2x slower (shared/research/performance.md); compare ratios only"
fi
if chrt -r 50 true 2>/dev/null; then
	rt="chrt -r 50"
else
	rt=
	warn "WARNING: chrt -r 50 refused (not root?): running under the normal scheduler,"
	warn "  where any other load on the two CPUs shows in the numbers"
fi
[ "$(nproc)" -ge 2 ] || die "needs two CPUs (0 and 1)"

# ---- one run ----
# median of the numbers on stdin, one a line; nothing for none
median() {
	sort -n | awk '{ a[NR] = $1 } END {
		if (NR == 0) exit
		if (NR % 2) printf "%.0f\n", a[(NR + 1) / 2]
		else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# the steady-state figure: the non-zero 1 s samples, first and last dropped
steady() {
	awk '$1 > 0' | sed '1d;$d' | median
}

# bench/pingpong 0.5, then the band its median round trip falls in: prints
# "NS BAND".  pingpong's own class is near below 150 ns; this machine also
# shows a regime at 100-160 ns between the near (55-65) and far (380-460)
# ones, so the bands are near < 100 ns <= mid < 250 ns <= far.
ping() {
	$rt "$probe" 0.5 2>/dev/null | awk '/^pingpong:/ {
		print $2, ($2 < 100 ? "near" : $2 < 250 ? "mid" : "far") }'
}

wait_socket() { # $1: path, $2: pid
	i=0
	while [ ! -S "$1" ]; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 "$2" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
}

stop() { # $1: pid; SIGINT lets testpmd print and clean up
	kill -INT "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# run DEVICE(dpdk|lvh) LEN DIR(tx|rx) LAYOUT(split|packed) TAG: prints PPS or nothing
run() {
	dev=$1 len=$2 dir=$3 layout=$4 tag=$5
	sock=$d/sock
	rm -f "$sock"
	extra=
	[ "$layout" = packed ] && extra=,packed_vq=1
	if [ "$dir" = tx ]; then
		devmode=rxonly
		lvhmode=sink
		drvmode=txonly
	else
		devmode=txonly
		lvhmode=source
		drvmode=rxonly
	fi
	if [ "$dev" = dpdk ]; then
		$rt "$pmd" --lcores 0@0,1@0 --file-prefix "$pfx_dev" --no-pci $mem \
			--vdev "net_vhost0,iface=$sock,queues=1" -- --nb-cores=1 \
			--forward-mode=$devmode --txpkts="$len" --burst=32 --total-num-mbufs=32768 \
			-a --stats-period 1 --txd=1024 --rxd=1024 < /dev/null > "$d/$tag.dev" 2>&1 &
	else
		$rt taskset -c 0 "$net" --socket-path="$sock" --mode=$lvhmode --frame-len="$len" \
			--poll --stats < /dev/null > "$d/$tag.dev" 2>&1 &
	fi
	dpid=$!
	pids="$pids $dpid"
	if ! wait_socket "$sock" $dpid; then
		warn "$tag: the device did not open its socket; the end of its log:"
		tail -n 20 "$d/$tag.dev" >&2
		stop $dpid
		return
	fi
	$rt "$pmd" --lcores 2@1,3@1 --file-prefix "$pfx_drv" --no-pci $mem --single-file-segments \
		--vdev "net_virtio_user0,path=$sock,queues=1,queue_size=1024$extra" -- --nb-cores=1 \
		--forward-mode=$drvmode --txpkts="$len" --burst=32 --total-num-mbufs=32768 -a \
		--stats-period 1 --txd=1024 --rxd=1024 < /dev/null > "$d/$tag.drv" 2>&1 &
	upid=$!
	pids="$pids $upid"
	# start-up takes a second or two; those samples are zero or dropped
	sleep $((secs + 2))
	stop $upid
	stop $dpid
	pids=
	dpdk_clean
	if [ "$dir" = tx ] && [ "$dev" = lvh ]; then
		sed -n 's/.*stats: \([0-9]*\) frames\/s from the driver.*/\1/p' "$d/$tag.dev" | steady
	elif [ "$dir" = tx ]; then
		tr -d '\033' < "$d/$tag.dev" | awk '$1 == "Rx-pps:" { print $2 }' | steady
	else
		tr -d '\033' < "$d/$tag.drv" | awk '$1 == "Rx-pps:" { print $2 }' | steady
	fi
}

mpps() { # packets/s to Mpps with 2 decimals
	awk -v p="$1" 'BEGIN { printf "%.2f", p / 1e6 }'
}

# ---- the grid ----
say "net-vs-dpdk: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs," \
	"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
ver=$(pkg-config --modversion libdpdk 2>/dev/null) ||
	ver=$(dpkg-query -W -f '${Version}' dpdk-dev 2>/dev/null) || ver='?'
say "net-vs-dpdk: DPDK $ver, $memnote, ${rt:-no chrt}, ${secs} s runs, $rounds rounds, load $(cut -d' ' -f1-3 /proc/loadavg)"
say "net-vs-dpdk: device on CPU 0 (DPDK: --lcores 0@0,1@0; libvhost: taskset -c 0 --poll)," \
	"virtio_user on CPU 1 (--lcores 2@1,3@1), queue_size=1024, burst 32"
busy=$(ps -eo pcpu=,comm= --sort=-pcpu 2>/dev/null | awk '$1 >= 20 && $2 != "ps" { printf " %s (%s%%)", $2, $1 }')
[ -z "$busy" ] || say "net-vs-dpdk: WARNING: other load on this machine:$busy"
res=$d/results
: > "$res"
for len in $sizes; do
	for dir in $dirs; do
		for layout in $layouts; do
			r=1
			while [ $r -le "$rounds" ]; do
				order="dpdk lvh"
				[ $((r % 2)) = 0 ] && order="lvh dpdk"
				for dev in $order; do
					tag=$len-$dir-$layout-$dev-$r
					before=$(ping)
					# not in $(...): the pids must stay this shell's
					run $dev "$len" $dir $layout "$tag" > "$d/pps"
					pps=$(cat "$d/pps")
					after=$(ping)
					rb=${before#* } ra=${after#* }
					regime=$rb
					[ -n "$rb" ] && [ "$rb" = "$ra" ] || regime=mixed
					if [ -z "$pps" ]; then
						warn "$tag: no figure (logs: the end of each)"
						tail -n 5 "$d/$tag.dev" "$d/$tag.drv" >&2 2>/dev/null
						pps=-
					fi
					say "run $len B $dir $layout $dev round $r:" \
						"$([ "$pps" = - ] && echo - || mpps "$pps") Mpps," \
						"probes ${before% *}/${after% *} ns: $regime"
					echo "$len $dir $layout $dev $r $regime $pps" >> "$res"
				done
				r=$((r + 1))
			done
		done
	done
done

# ---- the table ----
say ""
say "Mpps at the receiver; the median of the runs whose two probes fall in the same"
say "band (near < 100 ns <= mid < 250 ns <= far), (n) runs;"
say "ratio = libvhost / DPDK in the same regime; paired = the median of each round's"
say "own ratio, (n) rounds whose two runs are both in the regime: the two ran one"
say "after the other, so a drift of the host over the grid cancels out.  guest TX:"
say "virtio_user txonly -> device (DPDK rxonly / vhost-user-net sink); guest RX:"
say "device (DPDK txonly / vhost-user-net source) -> virtio_user rxonly."
printf '%-26s %-7s %14s %17s %7s %11s\n' "cell" "regime" "DPDK Mpps (n)" "libvhost Mpps (n)" \
	"ratio" "paired (n)"
for len in $sizes; do
	for dir in $dirs; do
		for layout in $layouts; do
			name="$len B guest $(echo "$dir" | tr '[:lower:]' '[:upper:]') $layout"
			for regime in near mid far; do
				dp=$(awk -v l="$len" -v d="$dir" -v y="$layout" -v g="$regime" \
					'$1 == l && $2 == d && $3 == y && $4 == "dpdk" && $6 == g && $7 != "-" { print $7 }' "$res")
				lp=$(awk -v l="$len" -v d="$dir" -v y="$layout" -v g="$regime" \
					'$1 == l && $2 == d && $3 == y && $4 == "lvh" && $6 == g && $7 != "-" { print $7 }' "$res")
				[ -n "$dp$lp" ] || continue
				dn=$(printf '%s' "$dp" | grep -c .)
				ln=$(printf '%s' "$lp" | grep -c .)
				dm='' lm=''
				[ -z "$dp" ] || dm=$(printf '%s\n' $dp | median)
				[ -z "$lp" ] || lm=$(printf '%s\n' $lp | median)
				ratio=-
				[ -n "$dm" ] && [ -n "$lm" ] &&
					ratio=$(awk -v a="$lm" -v b="$dm" 'BEGIN { printf "%.2f", a / b }')
				# each round's lvh / dpdk, when both runs are in this regime
				pr=$(awk -v l="$len" -v d="$dir" -v y="$layout" -v g="$regime" \
					'$1 == l && $2 == d && $3 == y && $6 == g && $7 != "-" { p[$5, $4] = $7 }
					END { for (k in p) { split(k, a, SUBSEP)
						if (a[2] == "lvh" && ((a[1], "dpdk") in p))
							printf "%.6f\n", p[k] / p[a[1], "dpdk"] } }' "$res")
				pn=$(printf '%s' "$pr" | grep -c .)
				paired=-
				[ -z "$pr" ] || paired=$(printf '%s\n' $pr | sort -n | awk '{ a[NR] = $1 } END {
					printf "%.2f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
				printf '%-26s %-7s %14s %17s %7s %11s\n' "$name" "$regime" \
					"$([ -n "$dm" ] && mpps "$dm" || echo -) ($dn)" \
					"$([ -n "$lm" ] && mpps "$lm" || echo -) ($ln)" "$ratio" "$paired ($pn)"
			done
		done
	done
done
mixed=$(awk '$6 == "mixed" || $7 == "-"' "$res")
if [ -n "$mixed" ]; then
	say ""
	say "Not used (probes disagree, or no figure):"
	printf '%s\n' "$mixed" | while read -r len dir layout dev r regime pps; do
		say "  $len B guest $dir $layout $dev round $r: $regime," \
			"$([ "$pps" = - ] && echo - || mpps "$pps") Mpps"
	done
fi
