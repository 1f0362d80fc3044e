#!/bin/sh
# check_speed.sh - how long `oshc check` takes on a generated 10,000-rule
# policy (goal: under 200 ms), beside a peer measured in the same run: jq
# reading the same rules written as JSON (a tuned C parser of a far simpler
# format, so a floor for "read this many rules").  Best of 7 runs each.
set -eu
OSHC=${OSHC:-build/oshc}
N=${N:-10000}
out=${TMPDIR:-/tmp}/osh-bench.$$
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
cc -O2 -o "$out/gen" bench/gen_policy.c
"$out/gen" "$N" 42 "$out/p.osh" "$out/p.json"

best_ms() { # best wall time of 7 runs of "$@", in ms
	best=
	for _ in 1 2 3 4 5 6 7; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || { echo "command failed: $*" >&2; exit 1; }
		t1=$(date +%s%N)
		t=$(( (t1 - t0) / 1000 ))
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
	done
	printf '%d.%03d' $((best / 1000)) $((best % 1000))
}

"$OSHC" check "$out/p.osh" || { echo "generated policy does not check" >&2; exit 1; }
ours=$(best_ms "$OSHC" check "$out/p.osh")
echo "oshc check, $N rules ($(wc -c <"$out/p.osh") bytes): $ours ms (goal < 200 ms)"
if command -v jq >/dev/null 2>&1; then
	peer=$(best_ms jq . "$out/p.json")
	echo "peer: jq . on the same rules as JSON ($(wc -c <"$out/p.json") bytes): $peer ms"
else
	echo "peer: jq not installed (apt-get install jq) - no peer figure"
fi
