#!/bin/sh
# stdlib.sh - every stdlib and example policy checks without a diagnostic,
# and the stdlib is in canonical format (`oshc fmt --check`).
set -u
OSHC=${OSHC:-build/oshc}
export OSH_STDLIB=${OSH_STDLIB:-stdlib-policies}
pass=0
fail=0
for f in stdlib-policies/std/*.osh stdlib-policies/examples/*.osh; do
	out=$("$OSHC" check "$f" 2>&1)
	if [ $? -eq 0 ] && [ -z "$out" ]; then pass=$((pass + 1)); else
		fail=$((fail + 1))
		echo "FAIL: oshc check $f"
		echo "$out"
	fi
done
for f in stdlib-policies/std/*.osh; do
	if "$OSHC" fmt --check "$f" >/dev/null; then pass=$((pass + 1)); else
		fail=$((fail + 1))
		echo "FAIL: $f is not in canonical format (run: oshc fmt $f)"
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
