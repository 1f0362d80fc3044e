#!/bin/sh
# run_basic.sh - osh-run end to end: compile small policies with oshc, run
# real commands under them and check that what the policy allows works and
# what it denies fails: exit status, reads outside the grants, writes in
# $WORKDIR, masks (a hidden file and directory, a read-only and a noexec
# tree, the pinned directory above a mask), a denied syscall, a notify rule
# and --audit lines, no network without a net section, egress only through
# osh-proxy with one, a refusal at launch when osh-proxy is missing or not
# executable, osh-proxy started only at the first connection (a stand-in
# proxy that leaves a mark: never started for an agent that does not
# connect; its exit stops the sandbox of one that does), a scrubbed
# environment, the agent's five capability sets (none kept, and one),
# walltime, a pids limit, a corrupt bundle.  Every case runs
# as root (the agent becomes nobody) and rootless (as the user oshtest,
# created when missing, with a delegated cgroup v1 pids directory where the
# host has one); run as a plain user, only the rootless half runs.  Prints
# "N passed, M failed".
set -u
OSHC=${OSHC:-build/oshc}
RUN=${OSH_RUN:-$(dirname "$OSHC")/osh-run}
pass=0
fail=0
skip() { echo "SKIP: $*"; }
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

if [ ! -x "$RUN" ]; then
	skip "run_basic.sh: $RUN is not built (make all builds it)"
	echo "0 passed, 0 failed"
	exit 0
fi
OSHC=$(cd "$(dirname "$OSHC")" && pwd)/$(basename "$OSHC")
RUN=$(cd "$(dirname "$RUN")" && pwd)/$(basename "$RUN")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/osh-run-e2e.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

# policies: $WORKDIR and the system's read-only trees; /proc to look at
# the network namespace
sys='allow read, exec /usr, /bin, /lib, /lib64, /etc, /proc; allow read, write /dev/null;'
cat >"$tmp/basic.osh" <<EOF
policy basic {
    fs {
        $sys allow read, write \$WORKDIR;
        deny \$WORKDIR/.env;
        deny write \$WORKDIR/.git/hooks;
        deny \$WORKDIR/private;
    }
    process { env keep PATH; env set OSH_SET = "yes"; }
}
EOF
cat >"$tmp/noexec.osh" <<EOF
policy noexec {
    fs { $sys allow read, write, exec \$WORKDIR; deny exec \$WORKDIR/bin; }
}
EOF
# /proc/self alone: osh-run prepares the Landlock ruleset outside the
# sandbox, and leaves the paths on a procfs (the sandbox mounts its own) to
# the agent; /dev/fd leads there through a symbolic link
cat >"$tmp/procself.osh" <<EOF
policy procself {
    fs {
        allow read, exec /usr, /bin, /lib, /lib64, /etc; allow read, write /dev/null;
        allow read /proc/self, /dev/fd; allow read, write \$WORKDIR;
    }
}
EOF
cat >"$tmp/sys.osh" <<EOF
policy sys {
    fs { $sys allow read, write \$WORKDIR; }
    syscalls { default allow; deny mkdir, mkdirat; notify chroot; }
}
EOF
cat >"$tmp/wall.osh" <<EOF
policy wall {
    fs { $sys allow read, write \$WORKDIR; }
    limits { walltime 1s; }
}
EOF
cat >"$tmp/forks.osh" <<EOF
policy forks {
    fs { $sys allow read, write \$WORKDIR; }
    limits { pids 8; }
}
EOF
cat >"$tmp/egress.osh" <<EOF
policy egress {
    fs { $sys allow read, write \$WORKDIR; }
    net { allow connect example.com:443; }
}
EOF
cat >"$tmp/caps.osh" <<EOF
policy keep_cap {
    fs { $sys allow read, write \$WORKDIR; }
    process { caps CAP_NET_BIND_SERVICE; }
}
EOF
for p in basic noexec sys wall forks egress procself caps; do
	if ! "$OSHC" compile "$tmp/$p.osh" -o "$tmp/$p.oshb" >"$tmp/out" 2>&1; then
		bad "compile $p"
		cat "$tmp/out"
	fi
done
head -c 200 "$tmp/basic.oshb" >"$tmp/corrupt.oshb"
chmod 644 "$tmp"/*.oshb
mkdir "$tmp/outside" && echo s3cr3t-content >"$tmp/outside/secret" && chmod 644 "$tmp/outside/secret"

mkdir "$tmp/nobin" && cp "$RUN" "$tmp/nobin/osh-run" # no osh-proxy beside it
# an osh-proxy that is not executable
mkdir "$tmp/noxbin" && cp "$RUN" "$tmp/noxbin/osh-run" && cp "$RUN" "$tmp/noxbin/osh-proxy" &&
	chmod 644 "$tmp/noxbin/osh-proxy"
# a stand-in osh-proxy that records that it started, then exits 3
mkdir "$tmp/fakebin" && cp "$RUN" "$tmp/fakebin/osh-run" && chmod 777 "$tmp/fakebin" &&
	printf '#!/bin/sh\necho started >>"%s"\nexit 3\n' "$tmp/fakebin/started" >"$tmp/fakebin/osh-proxy" &&
	chmod 755 "$tmp/fakebin/osh-proxy"
# an osh-proxy that passes the launch check (an executable file) but
# cannot be executed: found out at the first connection
mkdir "$tmp/badexec" && cp "$RUN" "$tmp/badexec/osh-run" && echo garbage >"$tmp/badexec/osh-proxy" &&
	chmod 755 "$tmp/badexec/osh-proxy"

# as WHO (root or a user name) in WORKDIR: osh-run "$@" (or, when the first
# argument ends in /osh-run, that binary); stdout+stderr in $tmp/out, the
# status in $rc
as() {
	who=$1 wd=$2
	shift 2
	case $1 in
	*/osh-run) bin=$1 && shift ;;
	*) bin=$RUN ;;
	esac
	if [ "$who" = "$(id -un)" ]; then
		(cd "$wd" && OSH_SECRET=leak "$bin" "$@") >"$tmp/out" 2>&1
	else
		q=""
		for a in "$@"; do q="$q '$(printf %s "$a" | sed "s/'/'\\\\''/g")'"; done
		su "$who" -s /bin/sh -c "cd '$wd' && OSH_SECRET=leak '$bin' $q" >"$tmp/out" 2>&1
	fi
	rc=$?
}
expect_rc() { # DESCRIPTION WANT
	if [ "$rc" = "$2" ]; then ok; else
		bad "$1: exit $rc, want $2"
		head -5 "$tmp/out"
	fi
}
expect_out() { # DESCRIPTION PATTERN
	if grep -q -- "$2" "$tmp/out"; then ok; else
		bad "$1: no '$2' in the output"
		head -5 "$tmp/out"
	fi
}

all_cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
ncpu=$(nproc)
# osh-run started on CPU 0 alone
mkdir "$tmp/cpu0" && printf '#!/bin/sh\nexec taskset -c 0 %s "$@"\n' "$RUN" >"$tmp/cpu0/osh-run" &&
	chmod 755 "$tmp/cpu0/osh-run"

suite() { # WHO OWNER(of the workdir) [CGROUP-OPTIONS]
	who=$1
	w=$tmp/work-$who
	mkdir -p "$w/.git/hooks" "$w/private" "$w/bin" && echo key >"$w/.env" && echo pkey >"$w/private/k" &&
		cp /bin/true "$w/bin/t" && cp /bin/true "$w/t" && chown -R "$2" "$w"
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/true
	expect_rc "$who: /bin/true" 0
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/sh -c 'exit 3'
	expect_rc "$who: exit status 3 propagates" 3
	# (the agent's own /proc/self: a rule on /proc/self names the /proc
	# directory of the process that opened it, the agent's, not its
	# children's)
	as "$who" "$w" "$tmp/procself.oshb" -- /bin/grep -c "^Pid:" /proc/self/status
	expect_out "$who: /proc/self granted, read by the agent" "^1\$"
	as "$who" "$w" "$tmp/procself.oshb" -- /bin/ls /dev/fd/
	expect_rc "$who: /dev/fd (a link into /proc) granted" 0
	as "$who" "$w" "$tmp/procself.oshb" -- /bin/cat /proc/1/status
	if [ "$rc" != 0 ]; then ok; else bad "$who: /proc/1 readable with only /proc/self granted"; fi
	# the agent runs on exactly the CPUs osh-run was given (PID 1 may
	# start elsewhere and takes osh-run's set back before the agent)
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/grep Cpus_allowed_list /proc/self/status
	expect_out "$who: the agent has osh-run's CPUs" "Cpus_allowed_list:[[:space:]]*$all_cpus\$"
	if [ "$ncpu" -gt 1 ]; then
		as "$who" "$w" "$tmp/cpu0/osh-run" "$tmp/basic.oshb" -- /bin/grep Cpus_allowed_list /proc/self/status
		expect_out "$who: taskset -c 0 osh-run: the agent has CPU 0 only" "Cpus_allowed_list:[[:space:]]*0\$"
	fi
	# capabilities: none in any set (the bounding set is PID 1's, dropped
	# before it forks the agent), or exactly the kept one (bit 10) in all
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/grep -c '^Cap[A-Za-z]*:[[:space:]]*0000000000000000$' /proc/self/status
	expect_out "$who: no capability in any of the five sets" "^5\$"
	as "$who" "$w" "$tmp/caps.oshb" -- /bin/grep -c '^Cap[A-Za-z]*:[[:space:]]*0000000000000400$' /proc/self/status
	expect_out "$who: caps CAP_NET_BIND_SERVICE: that one alone, in all five sets" "^5\$"
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/cat "$tmp/outside/secret"
	if [ "$rc" != 0 ] && ! grep -q s3cr3t-content "$tmp/out"; then ok; else bad "$who: read outside the grants worked"; fi
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/sh -c 'echo data >new && cat new'
	expect_rc "$who: write in \$WORKDIR" 0
	expect_out "$who: write in \$WORKDIR reads back" data
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/cat .env
	if [ "$rc" != 0 ] && ! grep -q key "$tmp/out"; then ok; else bad "$who: the masked .env is readable"; fi
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/sh -c 'echo x >.env'
	if [ "$rc" != 0 ] && [ "$(cat "$w/.env")" = key ]; then ok; else bad "$who: the masked .env is writable"; fi
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/sh -c 'echo x >.git/hooks/pre-commit'
	if [ "$rc" != 0 ] && [ ! -e "$w/.git/hooks/pre-commit" ]; then ok; else bad "$who: wrote under a deny write mask"; fi
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/mv .git old
	if [ "$rc" != 0 ] && [ -d "$w/.git/hooks" ]; then ok; else bad "$who: renamed the directory above a mask"; fi
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/cat private/k
	if [ "$rc" != 0 ] && ! grep -q pkey "$tmp/out"; then ok; else bad "$who: a file in a masked directory is readable"; fi
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/sh -c 'echo x >private/new'
	if [ "$rc" != 0 ] && [ ! -e "$w/private/new" ]; then ok; else bad "$who: wrote into a masked directory"; fi
	as "$who" "$w" "$tmp/noexec.oshb" -- ./t
	expect_rc "$who: exec in \$WORKDIR" 0
	as "$who" "$w" "$tmp/noexec.oshb" -- ./bin/t
	expect_rc "$who: exec under a deny exec mask" 126
	as "$who" "$w" "$tmp/sys.oshb" -- /bin/mkdir d
	expect_rc "$who: mkdir denied by seccomp" 1
	expect_out "$who: mkdir fails with EPERM" "Operation not permitted"
	rm -f "$tmp/audit-$who"
	touch "$tmp/audit-$who" && chown "$2" "$tmp/audit-$who"
	as "$who" "$w" "$tmp/sys.oshb" --audit "$tmp/audit-$who" -- /bin/sh -c '/usr/sbin/chroot / /bin/true; mkdir d; exit 0'
	expect_out "$who: notify answers EPERM" "Operation not permitted"
	if grep -q '"nr":161,.*"layer":"seccomp"' "$tmp/audit-$who" &&
		grep -q '"nr":83,.*"action":"errno(EPERM)"' "$tmp/audit-$who"; then ok; else
		bad "$who: --audit lines for chroot (notify) and mkdir (errno)"
		cat "$tmp/audit-$who"
	fi
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/bash -c 'echo >/dev/tcp/127.0.0.1/1'
	if [ "$rc" != 0 ]; then ok; else bad "$who: TCP connect without a net section worked"; fi
	as "$who" "$w" "$tmp/basic.oshb" -- /bin/sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
	if [ "$(cat "$tmp/out")" = lo ]; then ok; else bad "$who: interfaces besides lo: $(cat "$tmp/out")"; fi
	as "$who" "$w" "$tmp/basic.oshb" -- /usr/bin/env
	if ! grep -q OSH_SECRET "$tmp/out" && grep -q OSH_SET=yes "$tmp/out" && grep -q '^PATH=' "$tmp/out"; then ok; else
		bad "$who: environment not as the policy says"
		cat "$tmp/out"
	fi
	start=$(date +%s)
	as "$who" "$w" "$tmp/wall.oshb" -- /bin/sleep 10
	took=$(($(date +%s) - start))
	expect_rc "$who: walltime 1s on sleep 10" 124
	if [ "$took" -lt 5 ]; then ok; else bad "$who: walltime took ${took}s"; fi
	if [ -n "$3" ]; then
		# shellcheck disable=SC2086
		as "$who" "$w" "$tmp/forks.oshb" $3 -- /bin/sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1 & done; wait'
		expect_out "$who: pids 8 stops the 10th fork" "fork"
	else
		skip "$who: pids limit (no delegated cgroup for this user)"
	fi
	if [ -x "$(dirname "$RUN")/osh-proxy" ]; then
		as "$who" "$w" "$tmp/egress.oshb" -- /bin/bash -c 'echo "$HTTPS_PROXY"; exec 3<>/dev/tcp/127.0.0.1/3128 &&
			printf "CONNECT x.invalid:443 HTTP/1.1\r\nHost: x.invalid:443\r\n\r\n" >&3 && head -c 8 <&3; echo;
			echo >/dev/tcp/127.0.0.1/1 || echo direct-refused'
		expect_out "$who: the proxy variables are set" "^http://127.0.0.1:3128"
		expect_out "$who: osh-proxy answers on 127.0.0.1:3128" "^HTTP/1.1"
		expect_out "$who: direct connections fail with a net section" direct-refused
	else
		skip "$who: network through osh-proxy (not built)"
	fi
	as "$who" "$w" "$tmp/nobin/osh-run" "$tmp/egress.oshb" -- /bin/sh -c 'echo agent-ran'
	expect_rc "$who: a net section without osh-proxy is refused" 125
	expect_out "$who: ... with the reason" "osh-proxy cannot start"
	if grep -q agent-ran "$tmp/out"; then bad "$who: the agent ran without osh-proxy"; else ok; fi
	as "$who" "$w" "$tmp/noxbin/osh-run" "$tmp/egress.oshb" -- /bin/sh -c 'echo agent-ran'
	expect_rc "$who: a net section with a non-executable osh-proxy is refused" 125
	if grep -q agent-ran "$tmp/out"; then bad "$who: the agent ran with a non-executable osh-proxy"; else ok; fi
	rm -f "$tmp/fakebin/started"
	as "$who" "$w" "$tmp/fakebin/osh-run" "$tmp/egress.oshb" -- /bin/sh -c 'echo agent-ran'
	expect_rc "$who: an agent that never connects runs" 0
	if [ -e "$tmp/fakebin/started" ]; then bad "$who: osh-proxy was started for an agent that never connects"; else ok; fi
	as "$who" "$w" "$tmp/fakebin/osh-run" "$tmp/egress.oshb" -- /bin/bash -c 'exec 3<>/dev/tcp/127.0.0.1/3128; sleep 10; echo agent-finished'
	expect_rc "$who: osh-proxy exiting after the first connection stops the sandbox" 125
	expect_out "$who: ... with the reason" "osh-proxy exited"
	if [ -e "$tmp/fakebin/started" ] && ! grep -q agent-finished "$tmp/out"; then ok; else
		bad "$who: the first connection did not start osh-proxy, or the agent went on"
	fi
	as "$who" "$w" "$tmp/badexec/osh-run" "$tmp/egress.oshb" -- /bin/bash -c 'exec 3<>/dev/tcp/127.0.0.1/3128; sleep 10; echo agent-finished'
	expect_rc "$who: osh-proxy failing to exec at the first connection stops the sandbox" 125
	expect_out "$who: ... with the reason" "osh-proxy cannot start.*Exec format error"
	if grep -q agent-finished "$tmp/out"; then bad "$who: the agent went on without osh-proxy"; else ok; fi
	if [ "$who" = "$(id -un)" ]; then
		(cd "$w" && exec "$RUN" "$tmp/basic.oshb" -- /bin/sh -c 'trap "exit 7" USR1; sleep 5 & wait') &
		sleep 0.5
		kill -USR1 $!
		wait $!
		rc=$?
		expect_rc "$who: SIGUSR1 is forwarded to the agent" 7
	fi
	as "$who" "$w" "$tmp/corrupt.oshb" -- /bin/true
	expect_rc "$who: a corrupt bundle is refused" 125
}

if [ "$(id -u)" = 0 ]; then
	suite root 65534 " "
	id oshtest >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin oshtest ||
		skip "useradd oshtest failed"
	if id oshtest >/dev/null 2>&1; then
		# a delegated cgroup for the rootless half: only where pids is a
		# cgroup v1 controller (on v2 a user's cgroup comes from systemd)
		cg=/sys/fs/cgroup/pids/osh-e2e-$$
		if [ -f /sys/fs/cgroup/pids/cgroup.procs ] && mkdir "$cg" && chown -R oshtest "$cg"; then
			suite oshtest oshtest "--cgroup-parent osh-e2e-$$"
			rmdir "$cg"
		else
			suite oshtest oshtest ""
		fi
	fi
else
	suite "$(id -un)" "$(id -u)" ""
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
