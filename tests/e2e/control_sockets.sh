#!/bin/sh
# control_sockets.sh - daemons' control sockets (docker, D-Bus, X11, the
# user's runtime dir) are hidden inside the sandbox even when the policy
# grants a tree that holds them, and stay visible when the policy names
# them.  Prints "N passed, M failed".
set -u
OSHC=${OSHC:-build/oshc}
OSHRUN=$(realpath "${OSHRUN:-$(dirname "$OSHC")/osh-run}" 2>/dev/null || echo "${OSHRUN:-osh-run}")
export OSH_STDLIB=${OSH_STDLIB:-stdlib-policies}
pass=0
fail=0
if [ ! -x "$OSHRUN" ]; then
	echo "SKIP: $OSHRUN not built"
	echo "0 passed, 0 failed"
	exit 0
fi
loc=
for d in /run/dbus /run/user /run/containerd /tmp/.X11-unix; do
	if [ -d "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ]; then loc=$d; break; fi
done
if [ -z "$loc" ]; then
	echo "SKIP: no non-empty control-socket directory on this host"
	echo "0 passed, 0 failed"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
parent=$(dirname "$loc")
for grant in "$parent" "$loc"; do
	cat >"$tmp/p.osh" <<EOP
import "std/base.osh";
policy p {
    use base;
    fs { allow read $grant; allow read, exec /usr/bin, /bin; }
    syscalls { default errno(EPERM); allow @system-service; allow clone when flags & CLONE_NEWUSER == 0; }
}
EOP
	OSHC_ABS=$(realpath "$OSHC"); "$OSHC_ABS" compile "$tmp/p.osh" -o "$tmp/p.oshb" 2>/dev/null || { echo "FAIL: compile"; fail=$((fail + 1)); continue; }
	n=$(cd "$tmp" && "$OSHRUN" p.oshb -- /bin/ls -A "$loc" 2>/dev/null | wc -l)
	if [ "$grant" = "$parent" ]; then
		if [ "$n" -eq 0 ]; then pass=$((pass + 1)); else
			fail=$((fail + 1)); echo "FAIL: $loc visible ($n entries) under 'allow read $parent'"; fi
	else
		if [ "$n" -gt 0 ]; then pass=$((pass + 1)); else
			fail=$((fail + 1)); echo "FAIL: $loc hidden although the policy names it"; fi
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
