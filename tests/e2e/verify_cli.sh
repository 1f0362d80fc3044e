#!/bin/sh
# verify_cli.sh - `oshc verify` and `oshc diff` as a user and a CI job run
# them: exit codes (0 clean, 1 findings, 2 usage / UNKNOWN), the three
# report formats (SARIF checked for what code scanning needs), waivers,
# --strict, --bundle (a corrupt or foreign bundle refused), --baseline, a
# starved solver budget failing closed, and `diff` on pairs of generated
# policies whose relation is known by construction, every reported new
# access replayed through `oshc query`.  Prints "N passed, M failed".
set -u
OSHC=${OSHC:-build/oshc}
export OSH_STDLIB=${OSH_STDLIB:-stdlib-policies}
export NO_COLOR=1
EX=stdlib-policies/examples/coding_agent.osh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/osh-verify.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/e2e_lib.sh
. "$(dirname "$0")/../e2e_lib.sh"
# jqok DESCRIPTION FILTER FILE: the filter is true on the file
jqok() {
	if jq -e "$2" "$3" >/dev/null 2>&1; then ok; else
		bad "$1"
		head -c 600 "$3"
		echo
	fi
}

# ---- usage ----
status 2 "no file" "$OSHC" verify
status 2 "unknown option" "$OSHC" verify --bogus "$EX"
status 2 "bad --rlimit" "$OSHC" verify --rlimit 0 "$EX"
status 2 "bad --format" "$OSHC" verify --format yaml "$EX"
status 2 "diff with one file" "$OSHC" diff "$EX"
status 2 "diff --fail-on something else" "$OSHC" diff --fail-on everything "$EX" "$EX"
status 0 "verify --help" "$OSHC" verify --help
status 0 "diff --help" "$OSHC" diff --help

# ---- errors in the input: front-end diagnostics, exit 1 ----
printf 'policy broken {\n    fs { allow read /usr }\n}\n' >"$tmp/broken.osh"
status 1 "a policy with a syntax error" "$OSHC" verify "$tmp/broken.osh"
if grep -q "error\[syntax\]" "$tmp/err"; then ok; else bad "syntax error reported on stderr"; fi
printf 'import "std/base.osh";\n' >"$tmp/nopolicy.osh"
status 1 "a file without a policy" "$OSHC" verify "$tmp/nopolicy.osh"

# ---- the example: every format ----
"$OSHC" verify "$EX" >"$tmp/ex.txt" 2>"$tmp/ex.err"
rc=$?
if [ $rc -le 1 ]; then ok; else bad "verify the example: exit $rc: $(cat "$tmp/ex.err")"; fi
"$OSHC" verify --format json "$EX" >"$tmp/ex.json" 2>/dev/null
jqok "json: both policies verified" '.policies == ["coding_agent", "org_boundary"]' "$tmp/ex.json"
jqok "json: nothing unknown, no internal error" '.unknown == 0 and .internal_errors == 0' "$tmp/ex.json"
jqok "json: every finding has a name, severity, message, layer, fix" \
	'all(.findings[]; (.name | length > 0) and (.severity == "error" or .severity == "warning") and .message and .layer and .fix)' "$tmp/ex.json"
jqok "json: every family timed" '[.stats[].family] | index("translation") != null' "$tmp/ex.json"
"$OSHC" verify --format sarif "$EX" >"$tmp/ex.sarif" 2>/dev/null
jqok "sarif: version and tool" '.version == "2.1.0" and .runs[0].tool.driver.name == "oshc"' "$tmp/ex.sarif"
jqok "sarif: every result's ruleId is a declared rule, ruleIndex points at it" \
	'.runs[0].tool.driver.rules as $r | all(.runs[0].results[]; . as $x | $r[$x.ruleIndex].id == $x.ruleId)' "$tmp/ex.sarif"
jqok "sarif: every result has a level, a message and a located region" \
	'all(.runs[0].results[]; (.level == "error" or .level == "warning") and (.message.text | length > 0) and (.locations[0].physicalLocation.region.startLine >= 1) and (.locations[0].physicalLocation.artifactLocation.uri | length > 0))' "$tmp/ex.sarif"
n_json=$(jq '.findings | length' "$tmp/ex.json")
n_sarif=$(jq '.runs[0].results | length' "$tmp/ex.sarif")
if [ "$n_json" = "$n_sarif" ]; then ok; else bad "sarif has $n_sarif results, json $n_json findings"; fi

# ---- waivers and --strict on a warning-only policy ----
cat >"$tmp/nolimits.osh" <<'EOF'
import "std/base.osh";

policy nolimits {
    use base;
    fs {
        allow read, exec /usr/bin/true;
    }
    syscalls {
        default errno(EPERM);
    }
}
EOF
"$OSHC" verify --format json "$tmp/nolimits.osh" >"$tmp/nl.json" 2>/dev/null
jqok "no limits: unbounded-resources reported" '[.findings[] | select(.name == "unbounded-resources")] | length > 0' "$tmp/nl.json"
warn_only=$(jq '[.findings[] | select(.severity == "error")] | length' "$tmp/nl.json")
if [ "$warn_only" = 0 ]; then
	status 0 "warnings only: exit 0" "$OSHC" verify "$tmp/nolimits.osh"
	status 1 "warnings only, --strict: exit 1" "$OSHC" verify --strict "$tmp/nolimits.osh"
else
	bad "nolimits.osh was meant to have warnings only: $(jq -c '[.findings[] | select(.severity == "error") | .name]' "$tmp/nl.json")"
fi
sed 's/^    use base;$/    use base;\n    waive unbounded-resources "a test policy: limits are set by the CI runner";/' \
	"$tmp/nolimits.osh" >"$tmp/waived.osh"
"$OSHC" verify --format json "$tmp/waived.osh" >"$tmp/w.json" 2>/dev/null
jqok "waived: listed as waived with its reason" \
	'[.findings[] | select(.name == "unbounded-resources" and .waived and (.waive_reason | test("CI runner")))] | length > 0' "$tmp/w.json"
jqok "waived: no unwaived unbounded-resources left" \
	'[.findings[] | select(.name == "unbounded-resources" and (.waived | not))] | length == 0' "$tmp/w.json"
"$OSHC" verify --format sarif "$tmp/waived.osh" >"$tmp/w.sarif" 2>/dev/null
jqok "waived: SARIF suppression with the reason" \
	'[.runs[0].results[] | select(.ruleId == "unbounded-resources") | .suppressions[0].justification | test("CI runner")] | any' "$tmp/w.sarif"

# ---- --bundle: validate what ships ----
"$OSHC" compile "$EX" --policy coding_agent -o "$tmp/ca.oshb" 2>/dev/null
"$OSHC" verify --format json --policy coding_agent --bundle "$tmp/ca.oshb" "$EX" >"$tmp/b.json" 2>"$tmp/b.err"
rc=$?
if [ $rc -le 1 ] && jq -e '[.findings[] | select(.name == "translation")] | length == 0' "$tmp/b.json" >/dev/null; then ok; else
	bad "--bundle of a fresh compile: exit $rc, $(head -c 300 "$tmp/b.err")"
fi
status 1 "--bundle of another policy" "$OSHC" verify --policy org_boundary --bundle "$tmp/ca.oshb" "$EX"
if grep -q "holds policy 'coding_agent'" "$tmp/err"; then ok; else bad "foreign bundle: message names the policy"; fi
head -c 100 "$tmp/ca.oshb" >"$tmp/trunc.oshb"
status 1 "--bundle truncated" "$OSHC" verify --policy coding_agent --bundle "$tmp/trunc.oshb" "$EX"

# ---- a starved budget fails closed ----
status 2 "--rlimit 1: could not prove, exit 2" "$OSHC" verify --rlimit 1 "$EX"
if grep -q "could not prove" "$tmp/out"; then ok; else bad "--rlimit 1: says it could not prove"; fi

# ---- diff on generated pairs with a known relation ----
cc -O2 -o "$tmp/gen" bench/gen_policy.c || exit 2
"$tmp/gen" 120 11 "$tmp/g.osh" "$tmp/g.json"
# NEW = OLD plus one grant (wider), plus a deny of a path OLD grants
# (narrower), both (incomparable)
granted=$(sed -n 's/^        allow read \(\/data[^;,]*\);$/\1/p' "$tmp/g.osh" | head -1)
[ -n "$granted" ] || { echo "FAIL: the generated policy grants no path to deny"; exit 1; }
sed 's/^    fs {$/    fs {\n        allow read \/srv\/osh-new-grant;/' "$tmp/g.osh" >"$tmp/g_wider.osh"
sed "s|^    fs {\$|    fs {\\n        deny $granted;|" "$tmp/g.osh" >"$tmp/g_narrower.osh"
sed "s|^    fs {\$|    fs {\\n        allow read /srv/osh-new-grant;\\n        deny $granted;|" "$tmp/g.osh" >"$tmp/g_both.osh"
diff_case() { # OLD NEW WANT-FS-RELATION
	"$OSHC" diff --format json "$1" "$2" >"$tmp/d.json" 2>"$tmp/d.err"
	got=$(jq -r '.domains[] | select(.domain == "fs") | .relation' "$tmp/d.json" 2>/dev/null)
	if [ "$got" = "$3" ]; then ok; else bad "diff $(basename "$1") $(basename "$2"): fs $got, expected $3 $(head -c 300 "$tmp/d.err")"; fi
	others=$(jq -r '[.domains[] | select(.domain != "fs") | .relation] | unique | join(",")' "$tmp/d.json" 2>/dev/null)
	if [ "$others" = equivalent ]; then ok; else bad "diff $(basename "$2"): other domains $others, expected equivalent"; fi
	w=$(jq -r '.domains[] | select(.domain == "fs") | .new_access // empty' "$tmp/d.json")
	if [ -n "$w" ]; then # the new access is real: NEW allows it, OLD does not
		if "$OSHC" query "$2" "$w" --expect allow >/dev/null 2>&1 &&
			"$OSHC" query "$1" "$w" --expect deny >/dev/null 2>&1; then ok; else bad "new access '$w' does not replay"; fi
	fi
}
diff_case "$tmp/g.osh" "$tmp/g.osh" equivalent
diff_case "$tmp/g.osh" "$tmp/g_wider.osh" wider
diff_case "$tmp/g.osh" "$tmp/g_narrower.osh" narrower
diff_case "$tmp/g.osh" "$tmp/g_both.osh" incomparable
diff_case "$tmp/g_wider.osh" "$tmp/g.osh" narrower
status 1 "diff --fail-on new-access, wider" "$OSHC" diff --fail-on new-access "$tmp/g.osh" "$tmp/g_wider.osh"
if grep -q "new access:" "$tmp/out"; then ok; else bad "diff text names the new access"; fi
status 0 "diff --fail-on new-access, narrower" "$OSHC" diff --fail-on new-access "$tmp/g.osh" "$tmp/g_narrower.osh"
status 0 "diff without --fail-on, wider" "$OSHC" diff "$tmp/g.osh" "$tmp/g_wider.osh"

# ---- --baseline: a new-access finding per widened domain ----
"$OSHC" verify --format json --no-translation --baseline "$tmp/g.osh" "$tmp/g_wider.osh" >"$tmp/bl.json" 2>/dev/null
jqok "baseline: new-access for fs" '[.findings[] | select(.name == "new-access" and (.message | test("fs")))] | length == 1' "$tmp/bl.json"
"$OSHC" verify --format json --no-translation --baseline "$tmp/g.osh" "$tmp/g_narrower.osh" >"$tmp/bl2.json" 2>/dev/null
jqok "baseline, narrower: no new-access" '[.findings[] | select(.name == "new-access")] | length == 0' "$tmp/bl2.json"

echo "verify_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
