#!/bin/sh
# escape.sh - the escape suite: small C programs in tests/e2e/escape/, each
# trying one way out, run under build/osh-run with the policies of
# tests/e2e/escape/escape.osh.  Every case states the outcome the policy
# calls for (an errno, a kill by SIGSYS or SIGKILL, a 403 from the proxy, a
# walltime) or, for the allowed counterparts, success; anything else fails.
#
# Each case runs twice: as root, and rootless as the user `oshtest`
# (created with useradd when missing; the limits cases get a cgroup
# directory delegated to it in every hierarchy, removed afterwards).  Run
# by a non-root user, only the rootless half runs, as that user.
#
# While build/osh-run does not exist, or a case needs what this host lacks
# (root for the /etc/hosts override, script(1) for a terminal, a free port
# for the echo server), the case prints a SKIP line and is not counted.
# The programs and policies are still built and compiled and counted.
# A case listed in KNOWN (a runtime bug found and reported, not yet fixed)
# prints XFAIL and is not counted either.  Ends with "N passed, M failed";
# exit 0 only when M = 0.
#
# Outcomes are read from the program's exit status (see escape/escape.h):
# its errno, 128+signal from osh-run, 124 for a walltime, 403 from the
# proxy.  The *_marked and tiocsti_marked cases run under policies answering
# with EXFULL, an errno the kernel never gives for those calls, so they show
# the seccomp rule itself stopped the call (not a missing capability).
#
#   OSHC=build/oshc OSHRUN=build/osh-run sh tests/e2e/escape.sh [CASE...]
set -u
OSHC=${OSHC:-build/oshc}
OSHRUN=${OSHRUN:-$(dirname "$OSHC")/osh-run}
export OSH_STDLIB="${OSH_STDLIB:-stdlib-policies}"
SRC=tests/e2e/escape
USER_RL=${OSH_ESCAPE_USER:-oshtest}
ECHO_PORT=39731  # fixed: net_escape grants 127.0.0.1:39731 ...
ECHO_PORT2=39732 # ... and *.escape.test:39732, which must not reach 127.0.0.1:39732
unset CDPATH

# Known failures of the runtime, one "NAME|why" a line: reported as XFAIL
# and not counted until fixed (an XPASS line says when to drop the entry).
KNOWN=${OSH_ESCAPE_KNOWN-}

pass=0
fail=0
skip=0
xfail=0
known_why() {
	printf '%s\n' "$KNOWN" | while IFS='|' read -r n why; do
		[ "$n" = "$1" ] && echo "$why"
	done
}
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL $*"
}
skipped() {
	skip=$((skip + 1))
	echo "SKIP $*"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/osh-escape.XXXXXX") || exit 2
chmod 755 "$tmp"
echo_pid=
cg_dirs=
cleanup() {
	for p in $echo_pid; do kill "$p" 2>/dev/null; done
	for d in $cg_dirs; do
		# leaves osh-run left behind (it should remove its own), then ours
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$d" 2>/dev/null || echo "escape.sh: could not remove cgroup $d" >&2
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. build the programs -------------------------------------------------
mkdir -p "$tmp/bin" "$tmp/pol" "$tmp/rt" "$tmp/outside"
if ! command -v cc >/dev/null 2>&1; then
	echo "SKIP escape suite: no C compiler (cc)"
	echo "0 passed, 0 failed"
	exit 0
fi
static=-static
echo 'int main(void){return 0;}' >"$tmp/t.c"
cc -static -o "$tmp/t" "$tmp/t.c" 2>/dev/null || static= # dynamic: std/base grants the libraries
built=0
for c in "$SRC"/*.c; do
	p=$(basename "$c" .c)
	if cc -std=gnu11 -O1 -Wall $static -o "$tmp/bin/$p" "$c" 2>"$tmp/cc.err"; then
		built=$((built + 1))
	else
		bad "build $p"
		head -20 "$tmp/cc.err"
	fi
done
[ "$built" -gt 0 ] && ok
echo "built $built programs${static:+ (static)} into $tmp/bin"

# ---- 2. compile the policies -----------------------------------------------
POLICIES="fs_escape net_escape net_kernel sys_escape sys_marked tty_base tty_marked tty_open limit_pids limit_memory limit_walltime"
if "$OSHC" check "$SRC/escape.osh" >"$tmp/check.out" 2>&1; then ok; else
	bad "oshc check $SRC/escape.osh"
	head -20 "$tmp/check.out"
fi
for p in $POLICIES; do
	if "$OSHC" compile "$SRC/escape.osh" --policy "$p" -o "$tmp/pol/$p.oshb" >"$tmp/c.out" 2>&1; then ok; else
		bad "oshc compile --policy $p"
		head -20 "$tmp/c.out"
	fi
done
chmod -R a+rX "$tmp/bin" "$tmp/pol"

# ---- 3. the cases ----------------------------------------------------------
# NAME  POLICY  NEEDS  EXPECT(a|b)  PROGRAM ARGS...
# NEEDS: - | tty (run under script(1)) | hosts (/etc/hosts override, root)
#        | echo (the echo server on the host's 127.0.0.1:39731)
# Placeholders: @OUTSIDE@ a world-writable directory outside the grants,
# @SECRET@ the contents of $WORKDIR/.env, @PID@ a pid outside the sandbox
# (this shell, an ancestor of osh-run), @HOSTHASH@ the host's PID 1 environ.
cat >"$tmp/cases" <<'EOF'
read_inside             fs_escape      -     ok                     read_file ok.txt
read_outside            fs_escape      -     EACCES                 read_file @OUTSIDE@/secret.txt
read_shadow             fs_escape      -     EACCES                 read_file /etc/shadow
write_inside            fs_escape      -     ok                     write_file new.txt
write_outside           fs_escape      -     EACCES                 write_file @OUTSIDE@/new.txt
write_usr_bin           fs_escape      -     EACCES|EROFS           write_file /usr/bin/osh-escape-probe
masked_env_read         fs_escape      -     masked|EACCES          read_file .env @SECRET@
masked_env_write        fs_escape      -     EACCES|EROFS|EPERM     write_file .env
write_then_exec         fs_escape      -     EACCES                 write_exec
exec_granted            fs_escape      -     ok                     exec_bin /usr/bin/true
exec_not_granted        fs_escape      -     EACCES                 exec_bin /usr/bin/id
symlink_to_shadow       fs_escape      -     EACCES                 symlink_read /etc/shadow
symlink_to_outside      fs_escape      -     EACCES                 symlink_read @OUTSIDE@/secret.txt
hardlink_outside        fs_escape      -     EACCES|EXDEV           hardlink @OUTSIDE@/linkme.txt
hardlink_shadow         fs_escape      -     EACCES|EPERM|EXDEV     hardlink /etc/shadow
proc_mem_self           fs_escape      -     ok                     proc_mem self
proc_mem_other          fs_escape      -     EACCES|EPERM           proc_mem child
host_proc1_environ      fs_escape      -     EACCES|EPERM|nothost   proc1_environ @HOSTHASH@
tcp_public_443          net_escape     -     ENETUNREACH|EACCES     tcp_connect 1.1.1.1 443
tcp_private_443         net_escape     -     ENETUNREACH|EACCES     tcp_connect 10.0.0.1 443
tcp_public_3128         net_escape     -     ENETUNREACH            tcp_connect 1.1.1.1 3128
tcp_private_3128        net_escape     -     ENETUNREACH            tcp_connect 10.0.0.1 3128
tcp_host_loopback       net_escape     echo  ECONNREFUSED|EACCES    tcp_connect 127.0.0.1 39731
udp_public_53           net_escape     -     ENETUNREACH|EACCES     udp_send 1.1.1.1 53
udp_private_53          net_escape     -     ENETUNREACH|EACCES     udp_send 10.0.0.1 53
raw_socket              net_escape     -     EPERM                  raw_socket
packet_socket           net_escape     -     EPERM                  packet_socket
raw_socket_kernel       net_kernel     -     EPERM                  raw_socket
packet_socket_kernel    net_kernel     -     EPERM|EAFNOSUPPORT     packet_socket
proxy_allowed           net_escape     echo  ok                     proxy_connect 127.0.0.1:39731
proxy_denied_host       net_escape     -     403                    proxy_connect denied.example.org:443
proxy_denied_resolving  net_escape     hosts 403                    proxy_connect denied.escape.org:443
proxy_metadata          net_escape     -     403                    proxy_connect 169.254.169.254:80
proxy_wildcard_private  net_escape     hosts 403                    proxy_connect priv.escape.test:443
proxy_wildcard_loopback net_escape     hosts 403                    proxy_connect lo.escape.test:39732
x32_syscall             sys_escape     -     SIGSYS                 x32_syscall
i386_int80              sys_escape     -     SIGSYS                 int80_syscall
ptrace_parent           sys_escape     -     SIGSYS                 ptrace_parent
unshare_newuser         sys_escape     -     EPERM                  unshare_user
io_uring_setup          sys_escape     -     ENOSYS                 io_uring
kill_outside            sys_escape     -     ESRCH                  kill_outside @PID@
mount                   sys_escape     -     EPERM                  mount_tmpfs
bpf                     sys_escape     -     SIGSYS                 bpf_call
keyctl                  sys_escape     -     EPERM                  keyctl_call
chroot                  sys_escape     -     EPERM                  chroot_call
setuid0                 sys_escape     -     EPERM                  setuid0
personality_rie         sys_escape     -     EPERM                  personality_rie
personality_query       sys_escape     -     ok                     personality_rie query
unshare_marked          sys_marked     -     EXFULL                 unshare_user
mount_marked            sys_marked     -     EXFULL                 mount_tmpfs
keyctl_marked           sys_marked     -     EXFULL                 keyctl_call
chroot_marked           sys_marked     -     EXFULL                 chroot_call
setuid0_marked          sys_marked     -     EXFULL                 setuid0
tiocsti_allowed         tty_open       tty   ok                     tiocsti
tiocsti_base            tty_base       tty   EPERM                  tiocsti
tiocsti_marked          tty_marked     tty   EXFULL                 tiocsti
fork_bomb               limit_pids     -     EAGAIN                 forkbomb 1000
fork_few                limit_pids     -     ok                     forkbomb 8
memory_hog              limit_memory   -     SIGKILL                memhog 512
memory_small            limit_memory   -     ok                     memhog 16
walltime                limit_walltime -     walltime               sleeper 30
walltime_short          limit_walltime -     ok                     sleeper 0
EOF

# exit status -> outcome name (see tests/e2e/escape/escape.h)
outcome() {
	case $1 in
	0) echo ok ;; 1) echo EPERM ;; 2) echo ENOENT ;; 3) echo ESRCH ;; 11) echo EAGAIN ;;
	13) echo EACCES ;; 18) echo EXDEV ;; 22) echo EINVAL ;; 30) echo EROFS ;; 38) echo ENOSYS ;;
	54) echo EXFULL ;; 97) echo EAFNOSUPPORT ;; 101) echo ENETUNREACH ;; 111) echo ECONNREFUSED ;;
	113) echo EHOSTUNREACH ;; 124) echo walltime-124 ;; 125) echo refused-by-osh-run ;;
	137) echo SIGKILL ;; 143) echo SIGTERM ;; 159) echo SIGSYS ;;
	200) echo masked ;; 201) echo nothost ;; 202) echo precondition ;;
	210) echo 403 ;; 211) echo http-not-403 ;;
	*) if [ "$1" -gt 128 ] && [ "$1" -lt 160 ]; then echo "signal$(($1 - 128))"; else echo "exit$1"; fi ;;
	esac
}

# Which cases to run (arguments filter by name).
want() {
	[ -z "$WANTED" ] && return 0
	for w in $WANTED; do [ "$w" = "$1" ] && return 0; done
	return 1
}
WANTED="$*"

if [ ! -x "$OSHRUN" ]; then
	while read -r name pol needs expect prog args; do
		want "$name" || continue
		skipped "$name: $OSHRUN not built yet (expect $expect under $pol)"
	done <"$tmp/cases"
	echo "$pass passed, $fail failed ($skip skipped)"
	[ "$fail" -eq 0 ]
	exit
fi

# The runtime is copied next to the test so that the unprivileged user can
# execute it whatever the permissions of the build tree; osh-proxy goes
# beside it (osh-run starts the osh-proxy next to itself).
rtdir=$(dirname "$OSHRUN")
cp "$OSHRUN" "$tmp/rt/osh-run"
[ -x "$rtdir/osh-proxy" ] && cp "$rtdir/osh-proxy" "$tmp/rt/osh-proxy"
chmod -R a+rX "$tmp/rt"
RUN=$tmp/rt/osh-run

# Outside the grants: a world-writable directory with a world-readable file.
chmod 1777 "$tmp/outside"
echo "outside-secret" >"$tmp/outside/secret.txt"
chmod 644 "$tmp/outside/secret.txt"
# readable and writable by all, so that fs.protected_hardlinks lets anyone
# link it: only the policy stands in the way of the hard link
echo "link me" >"$tmp/outside/linkme.txt"
chmod 666 "$tmp/outside/linkme.txt"
secret="dotenv-secret-$$"
hosthash=$("$tmp/bin/proc1_environ" 2>/dev/null | tail -1)
[ -n "$hosthash" ] && [ "${hosthash#*:}" = "$hosthash" ] || hosthash=unreadable

# /etc/hosts override, bound over the real one in a private mount namespace
# around osh-run only (osh-proxy resolves names itself): wildcard names the
# policy allows that resolve to a private and a loopback address.
{
	cat /etc/hosts
	echo "10.255.255.1 priv.escape.test"
	echo "127.0.0.1 lo.escape.test"
	echo "203.0.113.7 denied.escape.org"
} >"$tmp/hosts"
chmod 644 "$tmp/hosts"

# The echo server on the host's loopback: the target of the allowed tunnel.
# A second one on the port only a wildcard name grants: a tunnel to it
# would be an escape to the host's loopback through a name.
have_echo=yes
for port in $ECHO_PORT $ECHO_PORT2; do
	"$tmp/bin/echo_server" "$port" >"$tmp/echo.$port" 2>&1 &
	echo_pid="$echo_pid $!"
	up=no
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q ready "$tmp/echo.$port" 2>/dev/null && { up=yes; break; }
		sleep 0.1
	done
	[ "$up" = yes ] || { have_echo=no; echo "note: echo server could not listen on 127.0.0.1:$port: $(cat "$tmp/echo.$port")"; }
done

have_script=no
command -v script >/dev/null 2>&1 && have_script=yes

# Modes: root and rootless (as $USER_RL), or only rootless as ourselves.
if [ "$(id -u)" -eq 0 ]; then
	MODES="root rootless"
	if ! id "$USER_RL" >/dev/null 2>&1; then
		useradd --no-create-home --home-dir /nonexistent --shell /bin/sh "$USER_RL" 2>"$tmp/ua.err" ||
			{ echo "note: useradd $USER_RL failed: $(cat "$tmp/ua.err")"; }
	fi
	if ! id "$USER_RL" >/dev/null 2>&1; then
		MODES=root
		skipped "rootless half: no user $USER_RL"
	fi
else
	MODES=rootless-self
fi

# Delegated cgroups for the rootless half (as root): one directory per
# hierarchy (cgroup v2, and the v1 memory, pids and cpu hierarchies of a
# hybrid host) at the same relative path, owned by $USER_RL.  The launching
# wrapper joins its "launcher" child as root before dropping privileges, so
# that osh-run (as $USER_RL) can move the agent into a leaf it creates under
# the delegated directory (--cgroup-parent).
CGREL=osh-escape.$$
cg_join=
cgparent_args=
if [ "$(id -u)" -eq 0 ]; then
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		v2root=/sys/fs/cgroup
	elif [ -d /sys/fs/cgroup/unified ]; then
		v2root=/sys/fs/cgroup/unified
	else
		v2root=
	fi
	for base in $v2root /sys/fs/cgroup/memory /sys/fs/cgroup/pids /sys/fs/cgroup/cpu; do
		[ -d "$base" ] || continue
		d=$base/$CGREL
		mkdir "$d" 2>/dev/null || continue
		cg_dirs="$cg_dirs $d"
		mkdir "$d/launcher" 2>/dev/null
		if [ "$base" = "$v2root" ]; then
			for c in memory pids cpu; do echo "+$c" >"$d/cgroup.subtree_control" 2>/dev/null; done
		fi
		id "$USER_RL" >/dev/null 2>&1 && chown -R "$USER_RL" "$d"
		cg_join="$cg_join $d/launcher/cgroup.procs"
	done
	[ -n "$cg_dirs" ] && cgparent_args="--cgroup-parent $CGREL"
	echo "delegated cgroups to $USER_RL:${cg_dirs:- none (cgroups not writable here)}"
fi

# Probes on the host, outside any sandbox: without IA32 emulation an
# int 0x80 faults before seccomp sees it; with dev.tty.legacy_tiocsti = 0
# the kernel itself refuses TIOCSTI to processes without CAP_SYS_ADMIN.
"$tmp/bin/int80_syscall" >/dev/null 2>&1
int80_native=$?
tiocsti_legacy=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo 1)

# The wrapper of the rootless half: join the delegated cgroups, then become
# the user (HOME is the user's work directory: osh-run's $HOME).
cat >"$tmp/asuser.sh" <<EOF
#!/bin/sh
for f in $cg_join; do echo \$\$ >"\$f" || exit 124; done
exec setpriv --reuid="$USER_RL" --regid="$(id -g "$USER_RL" 2>/dev/null || echo 0)" --init-groups \\
	env HOME="$tmp/work-rootless" "\$@"
EOF
chmod 755 "$tmp/asuser.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

run_case() { # MODE NAME POLICY NEEDS EXPECT PROG ARGS...
	mode=$1 name=$2 pol=$3 needs=$4 expect=$5 prog=$6
	shift 6
	label=$(printf '%-9s %-24s' "$mode" "$name")
	[ -f "$tmp/pol/$pol.oshb" ] || { skipped "$label: policy $pol did not compile (counted above)"; return; }
	case $pol in
	net_*) [ -x "$tmp/rt/osh-proxy" ] || { skipped "$label: osh-proxy not built yet (expect $expect)"; return; } ;;
	esac
	if [ "$prog" = int80_syscall ] && [ "$int80_native" -ne 0 ]; then
		skipped "$label: no IA32 emulation on this kernel (int 0x80 fails outside the sandbox too)"
		return
	fi
	if [ "$name" = tiocsti_allowed ] && [ "$tiocsti_legacy" = 0 ]; then
		skipped "$label: dev.tty.legacy_tiocsti = 0, the kernel refuses TIOCSTI itself (tiocsti_marked still shows the filter's rule)"
		return
	fi
	case $needs in
	tty) [ "$have_script" = yes ] || { skipped "$label: script(1) not installed (util-linux)"; return; } ;;
	echo) [ "$have_echo" = yes ] || { skipped "$label: port $ECHO_PORT busy on the host"; return; } ;;
	hosts) [ "$(id -u)" -eq 0 ] || { skipped "$label: the /etc/hosts override needs root"; return; } ;;
	esac
	args=
	for a in "$@"; do
		case $a in
		@OUTSIDE@*) a=$tmp/outside${a#@OUTSIDE@} ;;
		@SECRET@) a=$secret ;;
		@PID@) a=$$ ;;
		@HOSTHASH@) a=$hosthash ;;
		esac
		args="$args $a"
	done
	work=$tmp/work-$mode
	rm -rf "$work"
	mkdir -p "$work"
	echo "hello" >"$work/ok.txt"
	echo "$secret" >"$work/.env"
	chmod 600 "$work/.env"
	if [ "$mode" = rootless ] && [ "$rl_wrap" = yes ]; then
		chown -R "$USER_RL:" "$work"
		extra=$cgparent_args
	else
		# as root, osh-run runs a policy without `process { user }` as
		# nobody: the work directory must be writable by whoever it is
		chmod 777 "$work"
		extra=
	fi
	# shellcheck disable=SC2086 # args and extra are lists of plain words
	set -- "$RUN" "$tmp/pol/$pol.oshb" --param "BIN=$tmp/bin" $extra -- "$tmp/bin/$prog" $args
	[ "$needs" = tty ] && set -- script -qec "$*" /dev/null
	[ "$mode" = rootless ] && [ "$rl_wrap" = yes ] && set -- "$tmp/asuser.sh" "$@"
	# shellcheck disable=SC2016 # expanded by the inner shell
	[ "$needs" = hosts ] && set -- unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$tmp/hosts" "$@"
	t0=$(now_ms)
	(cd "$work" && exec timeout -s KILL 60 "$@") </dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
	ms=$(($(now_ms) - t0))
	got=$(outcome "$rc")
	[ "$ms" -ge 59000 ] && got=hung
	if [ "$rc" -eq 125 ] && { [ "$rl_wrap" = no ] || [ -z "$cg_dirs" ]; } && grep -q cgroup "$tmp/err"; then
		# limits need a writable (delegated) cgroup, which this host or
		# this user does not have
		skipped "$label: no writable cgroup here (osh-run refused: see below)"
		head -2 "$tmp/err" | sed 's/^/    err: /'
		return
	fi
	if [ "$got" = precondition ]; then
		skipped "$label: $(tr -d '\r' <"$tmp/out" | tail -1)"
		return
	fi
	verdict=no
	case $expect in
	walltime)
		# stopped once the walltime (1 s) is up, well before the program's
		# 30 s: osh-run exits 124 (docs/runtime.md), or 128+signal
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] || [ "$rc" -eq 143 ] &&
			[ "$ms" -ge 900 ] && [ "$ms" -lt 15000 ]; then
			verdict=yes
		fi
		got="$got after ${ms} ms"
		;;
	*)
		old_ifs=$IFS
		IFS='|'
		for e in $expect; do [ "$e" = "$got" ] && verdict=yes; done
		IFS=$old_ifs
		;;
	esac
	if [ "$name" = fork_bomb ] && [ "$verdict" = yes ]; then
		# stopped by `pids 32` (the sandbox's PID 1 and the program count)
		n=$(sed -n 's/^forked \([0-9]*\) children.*/\1/p' "$tmp/out")
		got="$got after ${n:-?} children"
		[ -n "$n" ] && [ "$n" -lt 32 ] || verdict=no
	fi
	why=$(known_why "$name")
	if [ "$verdict" = yes ]; then
		ok
		echo "PASS $label $got"
		[ -n "$why" ] && echo "XPASS $label: listed as known ($why); remove it from KNOWN"
	elif [ -n "$why" ]; then
		xfail=$((xfail + 1))
		echo "XFAIL $label $got, expected $expect: known: $why"
	else
		bad "$label $got, expected $expect (exit $rc, $ms ms)"
		tr -d '\r' <"$tmp/out" | head -5 | sed 's/^/    out: /'
		head -8 "$tmp/err" | sed 's/^/    err: /'
	fi
}

rl_wrap=yes
[ "$MODES" = rootless-self ] && rl_wrap=no # a non-root caller: rootless as ourselves
for mode in $MODES; do
	m=$mode
	[ "$m" = rootless-self ] && m=rootless
	while read -r name pol needs expect prog args; do
		want "$name" || continue
		# shellcheck disable=SC2086
		run_case "$m" "$name" "$pol" "$needs" "$expect" "$prog" $args
	done <"$tmp/cases"
done
echo "$pass passed, $fail failed ($skip skipped, $xfail known failures)"
[ "$fail" -eq 0 ]
