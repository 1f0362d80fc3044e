# e2e_lib.sh - what the end-to-end scripts that source it share: the
# pass/fail counters and two checks.  The sourcing script sets $tmp (a
# scratch directory) first.
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
# status WANT DESCRIPTION COMMAND...: the command exits with WANT; its
# stdout and stderr are left in $tmp/out and $tmp/err
status() {
	want=$1
	d=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok; else
		bad "$d: exit $rc, expected $want"
		head -c 600 "$tmp/out" "$tmp/err"
	fi
}
