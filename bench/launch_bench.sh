#!/bin/sh
# launch_bench.sh - what a launch costs: `osh-run BUNDLE -- /bin/true` with
# full isolation (a policy with fs, net, syscalls and limits: Landlock,
# seccomp, every namespace, a cgroup leaf, the proxy listener; osh-proxy
# itself starts only at the agent's first connection, which /bin/true never
# makes, so it is checked for but not run) beside a bare exec of
# /bin/true and beside the two peers, in the same run:
#   bwrap --unshare-all --die-with-parent --ro-bind / / --proc /proc --dev /dev /bin/true
#   firejail --quiet --noprofile --net=none /bin/true
# Best and median of RUNS launches each (hyperfine when installed, else
# bench/launch_bench.c: fork, exec, wait).  Targets: osh-run's overhead over
# the bare exec under 5 ms, and faster than both peers.  The overhead is
# measured three ways: as the difference of the two medians; in turns
# (launch_bench --paired: bare exec and osh-run one after the other, RUNS
# times, the median of the per-turn differences), which a shared machine's
# load, rising or falling during the run, cannot tilt; and in turns spaced
# GAP_MS (20) apart, so that each launch is timed alone and not beside the
# kernel's asynchronous teardown of the launch before it (its network
# namespace and cgroups, dismantled by a kernel worker after the last
# process exits).  An agent runner starts agents seconds apart, not
# thousands per second, so the target, the cost of one launch, is judged
# on the spaced figure; the back-to-back figures are printed beside it.
#
# As root, bubblewrap and firejail are installed with apt-get when missing;
# otherwise a missing peer prints "peer missing".  Without build/osh-run the
# osh-run figures are skipped.  Exits 1 only when a launch fails; a missed
# target is printed, not fatal.  Run from the repository root after `make`.
#
#   RUNS=200 sh bench/launch_bench.sh
set -u
BUILD=${BUILD:-build}
OSHC=${OSHC:-$BUILD/oshc}
OSHRUN=${OSHRUN:-$BUILD/osh-run}
RUNS=${RUNS:-100}
WARMUP=${WARMUP:-5}
export OSH_STDLIB="${OSH_STDLIB:-stdlib-policies}"
TRUE=/bin/true

out=$(mktemp -d "${TMPDIR:-/tmp}/osh-launch-bench.XXXXXX") || exit 2
trap 'rm -rf "$out"' EXIT
chmod 755 "$out"
status=0
paired=
paired_spaced=
GAP_MS=${GAP_MS:-20}

cc -std=gnu11 -O2 -o "$out/launch_bench" bench/launch_bench.c || exit 1
use_hyperfine=no
if command -v hyperfine >/dev/null 2>&1 && command -v jq >/dev/null 2>&1; then
	use_hyperfine=yes
fi

# measure LABEL COMMAND...: prints the figures and sets best_us/median_us
# ("" when the command cannot run).
best_us=
median_us=
measure() {
	label=$1
	shift
	best_us=
	median_us=
	if ! "$@" >"$out/probe.out" 2>&1; then
		echo "launch: $label: FAILED to run: $(head -3 "$out/probe.out" | tr '\n' ' ')"
		status=1
		return
	fi
	if [ "$use_hyperfine" = yes ]; then
		# -N: no intermediate shell, like the C timer
		cmd=""
		for a in "$@"; do cmd="$cmd '$a'"; done
		if hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" --export-json "$out/h.json" \
			"$cmd" >/dev/null 2>&1; then
			best_us=$(jq '.results[0].min * 1000000 | floor' "$out/h.json")
			median_us=$(jq '.results[0].median * 1000000 | floor' "$out/h.json")
			failed=0
		fi
	fi
	if [ -z "$best_us" ]; then
		# shellcheck disable=SC2046 # three numbers
		set -- $("$out/launch_bench" "$RUNS" "$WARMUP" "$@")
		best_us=$1
		median_us=$2
		failed=$3
	fi
	printf 'launch: %-52s best %s ms, median %s ms (%d runs%s)\n' "$label:" \
		"$(ms "$best_us")" "$(ms "$median_us")" "$RUNS" "$([ "$failed" != 0 ] && echo ", $failed failed")"
	[ "$failed" = 0 ] || status=1
}
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

# The peers: install when missing and root (Debian packages).
install_peer() { # COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 && return 0
	[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
	echo "installing $2 (apt-get)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >"$out/apt.log" 2>&1 ||
		{ apt-get update -qq >>"$out/apt.log" 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >>"$out/apt.log" 2>&1; } ||
		{ tail -3 "$out/apt.log"; return 1; }
	command -v "$1" >/dev/null 2>&1
}

echo "launch benchmark: $RUNS runs each after $WARMUP warm-up, timer: $([ "$use_hyperfine" = yes ] && echo hyperfine || echo bench/launch_bench.c), kernel $(uname -r), $(id -un)"

measure "bare exec $TRUE" "$TRUE"
bare=$median_us

# osh-run with full isolation
osh=
if [ -x "$OSHRUN" ] && [ -x "$OSHC" ]; then
	cat >"$out/bench.osh" <<'EOF'
import "std/base.osh";

# Full isolation for the launch benchmark: every backend has work to do.
policy launch_bench {
    use base;
    fs {
        allow read, exec /usr/bin/true;
        allow read, write $WORKDIR;
        deny $WORKDIR/.env;
    }
    net {
        allow connect api.example.com:443;
    }
    syscalls {
        default errno(EPERM);
        allow clone when flags & CLONE_NEWUSER == 0;
        errno(ENOSYS) clone3;
        kill ptrace, bpf;
    }
    limits {
        memory 256MiB; swap 0; pids 64; cpu 1; files 1024; walltime 1m;
    }
}
EOF
	if "$OSHC" compile "$out/bench.osh" -o "$out/bench.oshb" >"$out/compile.log" 2>&1; then
		mkdir -p "$out/work"
		chmod 777 "$out/work" # as root, osh-run runs the agent as nobody
		: >"$out/work/.env"
		osh_abs=$(cd "$(dirname "$OSHRUN")" && pwd)/$(basename "$OSHRUN")
		(cd "$out/work" && measure "osh-run (fs, net, syscalls, limits) $TRUE" \
			"$osh_abs" "$out/bench.oshb" -- "$TRUE" && echo "$median_us $status" >"$out/osh.res")
		# the overhead in turns: bare exec, then osh-run, then the other
		# way round, RUNS times; the median of the differences.  Back to
		# back, and spaced GAP_MS apart (each launch timed alone, not
		# beside the kernel worker still tearing down the previous one's
		# network namespace and cgroups), which is what one launch costs.
		for mode in back-to-back spaced; do
			g=0
			[ "$mode" = spaced ] && g=$GAP_MS
			# shellcheck disable=SC2046 # four numbers
			set -- $(cd "$out/work" && LAUNCH_GAP_MS=$g "$out/launch_bench" --paired "$RUNS" "$WARMUP" \
				"$TRUE" -- "$osh_abs" "$out/bench.oshb" -- "$TRUE")
			if [ $# -eq 4 ] && [ "$4" = 0 ]; then
				[ "$mode" = spaced ] && paired_spaced=$1 || paired=$1
				printf 'launch: %-52s median %s ms (p25 %s, p75 %s; %d turns)\n' \
					"osh-run overhead in turns, $mode$([ "$g" != 0 ] && echo " ($g ms)"):" \
					"$(ms "$1")" "$(ms "$2")" "$(ms "$3")" "$RUNS"
			else
				echo "launch: osh-run overhead in turns ($mode): FAILED"
				status=1
			fi
		done
		if [ -s "$out/osh.res" ]; then
			read -r osh st <"$out/osh.res"
			[ "$st" = 0 ] || status=1
			[ -n "$osh" ] || status=1
		else
			status=1
		fi
		# a breakdown: the same policy without its net section (no
		# proxy listener)
		sed '/^    net {/,/^    }/d' "$out/bench.osh" >"$out/nonet.osh"
		if "$OSHC" compile "$out/nonet.osh" -o "$out/nonet.oshb" >"$out/compile.log" 2>&1; then
			(cd "$out/work" && measure "  breakdown: the same policy without net" \
				"$osh_abs" "$out/nonet.oshb" -- "$TRUE")
		fi
	else
		echo "launch: osh-run: FAILED to compile the benchmark policy"
		cat "$out/compile.log"
		status=1
	fi
else
	echo "launch: osh-run: SKIP ($OSHRUN not built yet)"
fi

bw=
if install_peer bwrap bubblewrap; then
	measure "bwrap --unshare-all $TRUE" bwrap --unshare-all --die-with-parent --ro-bind / / \
		--proc /proc --dev /dev "$TRUE"
	bw=$median_us
else
	echo "launch: bwrap: peer missing"
fi

fj=
if install_peer firejail firejail; then
	measure "firejail --noprofile --net=none $TRUE" firejail --quiet --noprofile --net=none "$TRUE"
	fj=$median_us
else
	echo "launch: firejail: peer missing"
fi

# The targets, on the medians.
if [ -n "$osh" ] && [ -n "$bare" ]; then
	over=$((osh - bare))
	echo "launch: osh-run overhead over bare exec: $(ms "$over") ms (difference of the medians)"
	[ -n "$paired" ] &&
		echo "launch: osh-run overhead over bare exec: $(ms "$paired") ms median in turns, back to back"
	if [ -n "$paired_spaced" ]; then
		verdict=$([ "$paired_spaced" -lt 5000 ] && echo met || echo MISSED)
		echo "launch: osh-run overhead over bare exec: $(ms "$paired_spaced") ms median in turns, spaced (target under 5 ms: $verdict)"
	fi
	for peer in bwrap:$bw firejail:$fj; do
		name=${peer%%:*}
		v=${peer#*:}
		if [ -z "$v" ]; then
			echo "launch: osh-run vs $name: no figure (peer missing or failed)"
		else
			verdict=$([ "$osh" -lt "$v" ] && echo met || echo MISSED)
			echo "launch: osh-run vs $name: $(ms "$osh") ms vs $(ms "$v") ms median (target faster: $verdict)"
		fi
	done
fi
exit "$status"
