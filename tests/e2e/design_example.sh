#!/bin/sh
# design_example.sh - the DESIGN §2 example, end to end, as a user runs it:
# it checks cleanly, fmt is a fixed point that keeps its meaning (the IR
# without source spans is unchanged), and `oshc query` gives the answers the
# semantics of §2.3 say.  Prints "N passed, M failed".
set -u
OSHC=${OSHC:-build/oshc}
EX=stdlib-policies/examples/coding_agent.osh
export OSH_STDLIB=${OSH_STDLIB:-stdlib-policies}
tmp=${TMPDIR:-/tmp}/osh-e2e.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

if "$OSHC" check "$EX" >"$tmp/check.out" 2>&1; then ok; else bad "check $EX"; cat "$tmp/check.out"; fi

# fmt: fixed point, and the same meaning
cp "$EX" "$tmp/example.osh"
if "$OSHC" fmt --stdout "$tmp/example.osh" >"$tmp/f1.osh" &&
	"$OSHC" fmt --stdout "$tmp/f1.osh" >"$tmp/f2.osh" && cmp -s "$tmp/f1.osh" "$tmp/f2.osh"; then
	ok
else
	bad "fmt is not a fixed point on the example"
fi
strip='walk(if type == "object" then del(.span) else . end)'
if "$OSHC" compile "$tmp/example.osh" --policy coding_agent --emit ir | jq -S "$strip" >"$tmp/ir0" &&
	"$OSHC" compile "$tmp/f1.osh" --policy coding_agent --emit ir | jq -S "$strip" >"$tmp/ir1" &&
	cmp -s "$tmp/ir0" "$tmp/ir1"; then
	ok
else
	bad "fmt changed the meaning of the example (IR differs)"
	diff "$tmp/ir0" "$tmp/ir1" | head -20
fi

# query EXPECTED 'REQUEST' [--param N=V]
q() {
	want=$1
	shift
	req=$1
	shift
	if "$OSHC" query "$EX" --policy coding_agent "$req" --expect "$want" "$@" >"$tmp/q.out" 2>&1; then
		ok
	else
		bad "query '$req' $*: expected $want"
		cat "$tmp/q.out"
	fi
}

# fs: default deny, deny overrides allow, a directory covers what is beneath it
q allow 'write $WORKDIR/src/main.c'
q deny 'read $WORKDIR/.env'
q deny 'write $WORKDIR/.env/x'
q deny 'write $WORKDIR/.git/hooks/pre-commit'
q allow 'read $WORKDIR/.git/hooks/pre-commit'
q allow 'read /workspace/a.txt' --param WORKDIR=/workspace
q deny 'read /workspace/a.txt'
q deny 'read /etc/shadow'
q allow 'exec /usr/bin/git'
q deny 'write /usr/bin/git'
q allow 'write /tmp/x'
q deny 'exec /tmp/x'
q deny 'openat path=/etc/shadow flags=O_RDONLY'
q allow 'openat path=/tmp/x flags=O_WRONLY|O_CREAT'
q deny 'openat path=/usr/bin/git flags=O_RDWR'
# net: connect with from binaries, L7 rules, bind ranges
# the github rule carries http rules: it admits plain HTTP requests those
# rules allow, never a raw tunnel that would bypass them (fail closed)
q deny 'connect api.github.com:443 from /usr/bin/git'
q deny 'connect api.github.com:443 from /usr/bin/curl'
q deny 'connect api.github.com:80 from /usr/bin/git'
q allow 'http GET api.github.com:443/repos/x from /usr/bin/git'
q allow 'http HEAD api.github.com:443/repos/a/b from /usr/bin/git'
q deny 'http POST api.github.com:443/repos/x from /usr/bin/git'
q deny 'http GET api.github.com:443/repos/o/r/actions/runs from /usr/bin/git'
q deny 'http GET api.github.com:443/user from /usr/bin/git'
q allow 'connect api.openai.com:443 from /usr/bin/python3'
q allow 'connect api.anthropic.com:443 from /usr/bin/python3'
q deny 'connect api.openai.com:443 from /usr/bin/git'
q allow 'connect pypi.org:443'
q allow 'connect files.pythonhosted.org:443'
q deny 'connect 169.254.169.254:80'
q deny 'connect pypi.org:443 addr=169.254.169.254'
q allow 'bind 127.0.0.1:8000'
q allow 'bind 127.0.0.1:8010'
q deny 'bind 127.0.0.1:8011'
q deny 'bind 0.0.0.0:8000'
# syscalls: most restrictive wins, conditions, the default
q allow 'socket domain=AF_INET'
q allow 'socket domain=AF_UNIX'
q deny 'socket domain=AF_PACKET'
q deny 'socket domain=AF_NETLINK'
q allow 'clone flags=0'
q deny 'clone flags=CLONE_NEWUSER'
q deny 'clone flags=CLONE_NEWUSER|CLONE_NEWNS'
q deny 'clone3'
q deny 'ptrace'
q deny 'bpf'
q deny 'kexec_load'
q allow 'personality persona=0'
q allow 'read fd=0'
q allow 'write fd=1'
q deny 'mount'
q deny 'reboot'
q deny 'ioctl fd=0 request=TIOCSTI'

# exact actions for the ones that are not plain allow/deny
act() {
	want=$1
	req=$2
	got=$("$OSHC" query "$EX" --policy coding_agent "$req" | sed -n 's/^action: //p')
	if [ "$got" = "$want" ]; then ok; else bad "query '$req': action '$got', expected '$want'"; fi
}
act "errno(ENOSYS)" 'clone3'
act kill 'ptrace'
act log 'personality persona=0'
act "errno(EPERM)" 'mount'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
