#!/bin/sh
# bundle.sh - compile the example policies to bundles as a user would, check
# that `oshc inspect` reads them back and that what it shows matches the IR
# (policy name, proxy rules, limits, process settings), that every --emit
# kind matches its golden file, that compiling twice gives the same bytes,
# and that a corrupted bundle is refused with exit 1.  Prints "N passed, M
# failed".
set -u
OSHC=${OSHC:-build/oshc}
export OSH_STDLIB=${OSH_STDLIB:-stdlib-policies}
EX=stdlib-policies/examples/coding_agent.osh
GOLD=tests/backends/golden
tmp=${TMPDIR:-/tmp}/osh-bundle.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { # check DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok; else bad "$d"; head -20 "$tmp/out"; fi
}

for pol in coding_agent org_boundary; do
	b=$tmp/$pol.oshb
	check "compile $pol" "$OSHC" compile "$EX" --policy "$pol" -o "$b"
	check "inspect $pol (text)" "$OSHC" inspect "$b"
	"$OSHC" inspect "$b" --format json >"$tmp/$pol.json" 2>&1 || bad "inspect $pol --format json"
	"$OSHC" compile "$EX" --policy "$pol" --emit ir >"$tmp/$pol.ir" || bad "emit ir $pol"
	# the bundle says what the IR says
	same() { # same DESCRIPTION JQ-ON-BUNDLE JQ-ON-IR
		a=$(jq -c "$2" "$tmp/$pol.json")
		i=$(jq -c "$3" "$tmp/$pol.ir")
		if [ -n "$a" ] && [ "$a" = "$i" ]; then ok; else bad "$pol: $1: bundle $a, IR $i"; fi
	}
	same "policy name" '.meta.policy' '.policies[0].name'
	same "proxy rules" '.proxy | length' '[.policies[0].net[] | select(.op == "connect")] | length'
	same "proxy rule ids" '[.proxy[].id]' '[.policies[0].net[] | select(.op == "connect") | .id]'
	same "memory.max" '[.cgroup["memory.max"] | select(. != null) | tonumber]' \
		'[.policies[0].limits.memory_bytes | select(. != null)]'
	same "pids.max" '[.cgroup["pids.max"] | select(. != null) | tonumber]' \
		'[.policies[0].limits.pids | select(. != null)]'
	same "RLIMIT_NOFILE" '[.rlimits[] | select(.name == "RLIMIT_NOFILE") | .hard]' \
		'[.policies[0].limits.files | select(. != null)]'
	same "user" '.process.user' '.policies[0].process.user'
	same "env keep" '.process.env_keep' '.policies[0].process.env_keep'
	same "walltime" '.process.walltime_ms' '(.policies[0].limits.walltime_ms // 0)'
	# deterministic: the same policy, the same bytes
	"$OSHC" compile "$EX" --policy "$pol" -o "$b.2" 2>/dev/null
	if cmp -s "$b" "$b.2"; then ok; else bad "$pol: two compiles differ"; fi
done

# every --emit kind against its golden file (goldens are for x86_64 builds)
if [ "$(uname -m)" = x86_64 ]; then
	for k in bpf-asm:bpf-asm oci-seccomp:oci-seccomp.json landlock:landlock cgroup:cgroup proxy:proxy; do
		kind=${k%%:*}
		file=$GOLD/coding_agent.${k#*:}
		if "$OSHC" compile "$EX" --policy coding_agent --emit "$kind" >"$tmp/emit" 2>&1 &&
			cmp -s "$tmp/emit" "$file"; then ok; else
			bad "--emit $kind differs from $file"
			diff "$file" "$tmp/emit" | head -10
		fi
	done
fi
"$OSHC" compile "$EX" --policy coding_agent --emit bpf -o "$tmp/raw.bpf" 2>/dev/null
n=$(jq '.seccomp[0].length' "$tmp/coding_agent.json")
if [ "$(wc -c <"$tmp/raw.bpf")" -eq $((n * 8)) ]; then ok; else bad "--emit bpf is not $n instructions"; fi

# a corrupted bundle is refused, with exit 1 and a message
cp "$tmp/coding_agent.oshb" "$tmp/bad.oshb"
printf 'X' | dd of="$tmp/bad.oshb" bs=1 seek=200 conv=notrunc 2>/dev/null
"$OSHC" inspect "$tmp/bad.oshb" >"$tmp/out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q checksum "$tmp/out"; then ok; else bad "corrupt bundle: exit $rc"; cat "$tmp/out"; fi
head -c 100 "$tmp/coding_agent.oshb" >"$tmp/short.oshb"
"$OSHC" inspect "$tmp/short.oshb" >/dev/null 2>&1
[ $? -eq 1 ] && ok || bad "truncated bundle not refused with exit 1"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
