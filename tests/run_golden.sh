#!/bin/sh
# run_golden.sh - golden tests for oshc's diagnostics and formatter.
#
#   OSHC=build/oshc sh tests/run_golden.sh          (what `make golden` runs)
#   OSHC=build-asan/oshc sh tests/run_golden.sh     (under ASan/UBSan)
#   UPDATE=1 OSHC=build/oshc sh tests/run_golden.sh (rewrite the .expected files)
#   OSHC=build/oshc sh tests/run_golden.sh tests/lang/bad/001-missing-semicolon.osh
#                                                   (only the tests named)
#
# tests/lang/bad/X.osh: a policy with one class of error.  X.expected holds
# the exact stderr of `NO_COLOR=1 $OSHC check tests/lang/bad/X.osh`, run
# from the repository root, then a last line `exit: N`.  The check must exit
# with 1.  Files under tests/lang/bad/inc/ are helpers (imported by the
# tests), not tests themselves.
#
# tests/fmt/X.osh with a tests/fmt/X.expected: `$OSHC fmt --stdout X.osh`
# must print exactly X.expected and exit 0, and formatting X.expected again
# must change nothing (fmt(fmt(x)) == fmt(x)).
#
# Any sanitizer report on stderr is a failure, even when the output would
# otherwise match.  Set VERBOSE=1 to list passing tests too.  The last line
# printed is always `N passed, M failed`; the exit status is 1 when M > 0.

# Run from the repository root, whatever the caller's directory; keep a
# relative $OSHC working by making it absolute first.
OSHC=${OSHC:-build/oshc}
case $OSHC in
/*) ;;
*/*) OSHC=$(pwd)/$OSHC ;;
esac
cd "$(dirname "$0")/.." || exit 2
if [ ! -x "$OSHC" ]; then
	echo "run_golden.sh: OSHC=$OSHC is not an executable; build it first (make)" >&2
	exit 2
fi

NO_COLOR=1
ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export NO_COLOR ASAN_OPTIONS UBSAN_OPTIONS
# The stdlib next to this tree, for any test that imports std/ files.
OSH_STDLIB=${OSH_STDLIB:-stdlib-policies}
export OSH_STDLIB

tmp=$(mktemp -d "${TMPDIR:-/tmp}/oshc-golden.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
detail=$tmp/detail

pass() {
	passed=$((passed + 1))
	[ -n "$VERBOSE" ] && echo "ok   $1"
	return 0
}

# fail NAME WHY: count a failure and print WHY, then the details gathered
# in $detail (diffs, sanitizer reports).
fail() {
	failed=$((failed + 1))
	echo "FAIL $1: $2"
	cat "$detail"
	return 0
}

# True when file $1 holds a sanitizer report.
sanitizer_report() {
	grep -Eq 'ERROR: (Address|Leak|Memory|Thread|UndefinedBehavior)Sanitizer|SUMMARY: [A-Za-z]*Sanitizer|runtime error: |LeakSanitizer has encountered' "$1"
}

# compare NAME EXPECTED ACTUAL RC WANT_RC: pass, or fail with a unified
# diff.  With UPDATE=1 copy ACTUAL over EXPECTED instead, but only when the
# command exited as it should: a crash is never recorded as the truth.
compare() {
	if [ -n "$UPDATE" ] && [ "$4" -eq "$5" ]; then
		if [ -f "$2" ] && cmp -s "$2" "$3"; then
			return 0
		fi
		cp "$3" "$2" && echo "updated $2"
		return 0
	fi
	if [ ! -f "$2" ]; then
		echo "missing $2 (create it with UPDATE=1, then read it before committing)" >>"$detail"
		return 1
	fi
	if cmp -s "$2" "$3"; then
		return 0
	fi
	diff -u "$2" "$3" >>"$detail"
	return 1
}

# With arguments, run only the tests whose .osh files are named.
selected() {
	[ "$nargs" -eq 0 ] && return 0
	for a in $args; do
		[ "$a" = "$1" ] && return 0
	done
	return 1
}
nargs=$#
args="$*"

# ---- diagnostics of bad policies ----

for src in tests/lang/bad/*.osh; do
	[ -f "$src" ] || continue
	selected "$src" || continue
	name=${src#tests/}
	exp=${src%.osh}.expected
	out=$tmp/check.out
	: >"$detail"
	"$OSHC" check "$src" >"$tmp/check.stdout" 2>"$out"
	rc=$?
	echo "exit: $rc" >>"$out"
	ok=1
	why=
	if sanitizer_report "$out"; then
		ok=0
		why="sanitizer report"
		cat "$out" >>"$detail"
	elif [ -s "$tmp/check.stdout" ]; then
		ok=0
		why="wrote to stdout (diagnostics go to stderr)"
		cat "$tmp/check.stdout" >>"$detail"
	elif ! compare "$name" "$exp" "$out" "$rc" 1; then
		ok=0
		why="stderr differs from ${exp#tests/}"
	fi
	if [ "$rc" -ne 1 ]; then
		ok=0
		why="${why:+$why; }exit status $rc, expected 1"
	fi
	if [ $ok = 1 ]; then pass "$name"; else fail "$name" "$why"; fi
done

# ---- formatter ----

for src in tests/fmt/*.osh; do
	[ -f "$src" ] || continue
	exp=${src%.osh}.expected
	[ -f "$exp" ] || continue
	selected "$src" || continue
	name=${src#tests/}
	: >"$detail"
	"$OSHC" fmt --stdout "$src" >"$tmp/fmt.out" 2>"$tmp/fmt.err"
	rc=$?
	ok=1
	why=
	if sanitizer_report "$tmp/fmt.err"; then
		ok=0
		why="sanitizer report"
		cat "$tmp/fmt.err" >>"$detail"
	elif ! compare "$name" "$exp" "$tmp/fmt.out" "$rc" 0; then
		ok=0
		why="output differs from ${exp#tests/}"
	fi
	if [ "$rc" -ne 0 ]; then
		ok=0
		[ "$why" = "sanitizer report" ] || cat "$tmp/fmt.err" >>"$detail"
		why="${why:+$why; }exit status $rc, expected 0"
	fi
	if [ $ok = 1 ]; then pass "$name"; else fail "$name" "$why"; fi

	# fmt(fmt(x)) == fmt(x): the expected text is a fixed point.
	name="$name (idempotent)"
	: >"$detail"
	"$OSHC" fmt - <"$exp" >"$tmp/fmt2.out" 2>"$tmp/fmt2.err"
	rc=$?
	ok=1
	why=
	if sanitizer_report "$tmp/fmt2.err"; then
		ok=0
		why="sanitizer report"
		cat "$tmp/fmt2.err" >>"$detail"
	elif ! cmp -s "$exp" "$tmp/fmt2.out"; then
		ok=0
		why="formatting ${exp#tests/} changes it"
		diff -u "$exp" "$tmp/fmt2.out" >>"$detail"
	fi
	if [ "$rc" -ne 0 ]; then
		ok=0
		[ "$why" = "sanitizer report" ] || cat "$tmp/fmt2.err" >>"$detail"
		why="${why:+$why; }exit status $rc, expected 0"
	fi
	if [ $ok = 1 ]; then pass "$name"; else fail "$name" "$why"; fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
