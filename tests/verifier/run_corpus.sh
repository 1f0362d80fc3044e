#!/bin/sh
# run_corpus.sh - the verifier's corpus: every tests/verifier/corpus/*/*.osh
# is verified with `oshc verify --format json` and its header comments say
# what must come out:
#   # expect: FINDING         a finding of that name is reported (unwaived)
#   # expect-not: FINDING     no finding of that name
#   # witness: REGEX          some FINDING (the expect line's) has a witness
#                             matching the extended regular expression
#   # waived: FINDING         a finding of that name is reported, waived
#   # exit: N                 the exit status (default: 1 with an expect line
#                             naming an error finding, else 0 or 1)
# Exit 2 from the verifier (UNKNOWN, internal error) always fails the case.
#   OSHC=build/oshc sh tests/verifier/run_corpus.sh
set -u
OSHC=${OSHC:-build/oshc}
export OSH_STDLIB="${OSH_STDLIB:-stdlib-policies}"
export NO_COLOR=1
dir=$(dirname "$0")/corpus
pass=0
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for f in "$dir"/*/*.osh; do
	[ -e "$f" ] || continue
	"$OSHC" verify --format json "$f" >"$out" 2>"$out.err"
	rc=$?
	ok=yes
	why=""
	if [ $rc -eq 2 ] || ! jq -e '.findings | arrays' "$out" >/dev/null 2>&1; then
		ok=no
		why="exit $rc: $(head -c 400 "$out.err") $(jq -c '{unknown,internal_errors}' "$out" 2>/dev/null)"
	fi
	want_exit=$(sed -n 's/^# exit: *//p' "$f" | head -1)
	if [ "$ok" = yes ] && [ -n "$want_exit" ] && [ "$rc" != "$want_exit" ]; then
		ok=no
		why="exit $rc, expected $want_exit"
	fi
	if [ "$ok" = yes ]; then
		while IFS= read -r line; do
			case $line in
			"# expect: "*)
				name=${line#"# expect: "}
				if ! jq -e --arg n "$name" '[.findings[] | select(.name == $n and (.waived | not))] | length > 0' "$out" >/dev/null; then
					ok=no
					why="no $name finding: $(jq -c '[.findings[].name]' "$out")"
				fi
				;;
			"# waived: "*)
				name=${line#"# waived: "}
				if ! jq -e --arg n "$name" '[.findings[] | select(.name == $n and .waived)] | length > 0' "$out" >/dev/null; then
					ok=no
					why="no waived $name finding"
				fi
				;;
			"# expect-not: "*)
				name=${line#"# expect-not: "}
				if jq -e --arg n "$name" '[.findings[] | select(.name == $n)] | length > 0' "$out" >/dev/null; then
					ok=no
					why="unexpected $name finding: $(jq -c --arg n "$name" '[.findings[] | select(.name == $n) | .message]' "$out")"
				fi
				;;
			"# witness: "*)
				re=${line#"# witness: "}
				name=$(sed -n 's/^# expect: *//p' "$f" | head -1)
				if ! jq -r --arg n "$name" '.findings[] | select(.name == $n) | .witness // empty' "$out" | grep -Eq -- "$re"; then
					ok=no
					why="no $name witness matches /$re/: $(jq -c --arg n "$name" '[.findings[] | select(.name == $n) | .witness]' "$out")"
				fi
				;;
			"#"*) ;;
			*) break ;;
			esac
		done <"$f"
	fi
	if [ "$ok" = yes ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $f: $why"
	fi
done
rm -f "$out.err"
echo "verifier corpus: $pass passed, $fail failed"
[ $fail -eq 0 ]
