#!/bin/sh
# verify_bench.sh - how long `oshc verify` (every check family, translation
# validation included) takes on every policy of the stdlib and the DESIGN
# example, and on generated policies of 1,000 rules (goals: under 1 s per
# policy, under 10 s at 1,000 rules).  Per check family it prints the time,
# the number of solver queries and the median time per query.
#
# No other tool proves these properties of a sandbox policy, so the figure
# printed beside ours is the work every tool does anyway, measured in the
# same run on the same file: `oshc compile` (parse, check, lower, every
# backend, write the bundle).  Best of 3 runs each.
#
#   OSHC=build/oshc sh bench/verify_bench.sh
set -u
OSHC=${OSHC:-build/oshc}
export OSH_STDLIB="${OSH_STDLIB:-stdlib-policies}"
export NO_COLOR=1
out=$(mktemp -d "${TMPDIR:-/tmp}/osh-verify-bench.XXXXXX") || exit 2
trap 'rm -rf "$out"' EXIT
status=0


# best_ms CMD...: best wall time of 3 runs in ms ("fail" when it exits 2+)
best_ms() {
	best=
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		rc=$?
		t1=$(date +%s%N)
		[ $rc -ge 2 ] && { echo fail; return; }
		t=$(((t1 - t0) / 1000))
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
	done
	awk -v u="$best" 'BEGIN { printf "%.1f", u / 1000 }'
}

# bench_file LABEL FILE LIMIT_MS [--policy NAME]
bench_file() {
	label=$1
	file=$2
	limit=$3
	shift 3
	"$OSHC" verify --format json "$file" "$@" >"$out/v.json" 2>"$out/v.err"
	rc=$?
	if [ $rc -ge 2 ]; then
		echo "verify: $label: FAILED (exit $rc): $(head -c 300 "$out/v.err") $(jq -c '{unknown,internal_errors}' "$out/v.json" 2>/dev/null)"
		status=1
		return
	fi
	ours=$(best_ms "$OSHC" verify "$file" "$@")
	peer=$(best_ms "$OSHC" compile "$file" "$@" -o "$out/x.oshb")
	verdict=met
	if [ "$ours" = fail ] || [ "$(awk -v a="$ours" -v b="$limit" 'BEGIN { print (a < b) }')" != 1 ]; then
		verdict=MISSED
	fi
	nf=$(jq '[.findings[] | select(.waived | not)] | length' "$out/v.json")
	printf 'verify: %-44s %8s ms (goal < %s ms: %s), oshc compile %s ms, %s findings\n' \
		"$label" "$ours" "$limit" "$verdict" "$peer" "$nf"
	jq -r '.stats[] | "         \(.family): \(.queries) queries, \(.ms | floor) ms, median query \(.median_query_ms) ms"' "$out/v.json"
}

# every file of the stdlib that defines a policy, each policy on its own
for f in $(find "$OSH_STDLIB" -name '*.osh' | sort); do
	grep -q '^policy ' "$f" || continue
	for p in $(sed -n 's/^policy \([A-Za-z0-9_-]*\).*/\1/p' "$f"); do
		bench_file "$(basename "$f") $p" "$f" 1000 --policy "$p"
	done
done

# generated policies (bench/gen_policy.c: fs, net and syscall rules in the
# shapes real policies have)
cc -O2 -o "$out/gen" bench/gen_policy.c || exit 1
for seed in 42 7; do
	"$out/gen" 1000 "$seed" "$out/g$seed.osh" "$out/g$seed.json"
	bench_file "generated 1000 rules (seed $seed)" "$out/g$seed.osh" 10000
done
exit $status
