#!/bin/sh
# import_export.sh - `oshc import` and `oshc export` as a user runs them:
# Docker's default seccomp profile and an OpenShell policy imported, then
# check, fmt --check, verify and compile on the result; the OpenShell
# policy's mistakes reported by verify; export to an OCI profile (which
# imports back) and to systemd settings (grepped for the key lines);
# malformed, wrong-version and unknown-field inputs refused with a message
# and exit 1 (never a crash: $OSHC_ASAN, when set, runs them too); usage
# errors exit 2.  Prints "N passed, M failed".
set -u
OSHC=${OSHC:-build/oshc}
export OSH_STDLIB=${OSH_STDLIB:-stdlib-policies}
export NO_COLOR=1
D=tests/import
EX=stdlib-policies/examples/coding_agent.osh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/osh-import.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=tests/e2e_lib.sh
. "$(dirname "$0")/../e2e_lib.sh"
# has DESCRIPTION PATTERN FILE: grep finds the pattern
has() {
	if grep -q -e "$2" "$3"; then ok; else
		bad "$1: no '$2' in $3"
		head -c 600 "$3"
	fi
}

# ---- OCI: Docker's default profile ----
status 0 "import oci" $OSHC import --from oci $D/docker-default.json -o $tmp/docker.osh
has "policy name from the file" "^policy docker_default {" $tmp/docker.osh
has "caps rules are comments" "needs capabilities \[\"CAP_SYS_ADMIN\"\]" $tmp/docker.osh
has "clone mask" "allow clone when flags & 2114060288 == 0;" $tmp/docker.osh
has "clone3 ENOSYS" "errno(ENOSYS) clone3;" $tmp/docker.osh
status 0 "import is formatted" $OSHC fmt --check $tmp/docker.osh
status 0 "check the import" $OSHC check $tmp/docker.osh
status 0 "compile the import" $OSHC compile $tmp/docker.osh -o $tmp/docker.oshb
$OSHC verify $tmp/docker.osh >$tmp/verify.txt 2>&1
has "verify reports the missing fs section" "error\[" $tmp/verify.txt
status 0 "import --arch aarch64" $OSHC import --from oci --arch aarch64 --name docker_arm $D/docker-default.json -o $tmp/arm.osh
has "arm-only rule kept on aarch64" "cacheflush\|set_tls\|arm_sync_file_range" $tmp/arm.osh
status 0 "check the aarch64 import" $OSHC check $tmp/arm.osh

# ---- OpenShell ----
status 0 "import openshell" $OSHC import --from openshell $D/openshell-agent.yaml -o $tmp/os.osh
status 0 "openshell import is formatted" $OSHC fmt --check $tmp/os.osh
status 0 "check the openshell import" $OSHC check $tmp/os.osh
status 0 "compile the openshell import" $OSHC compile $tmp/os.osh -o $tmp/os.oshb
status 1 "verify finds the source's mistakes" $OSHC verify $tmp/os.osh
cp $tmp/out $tmp/os-verify.txt
has "read-only inside read-write" "redundant-rule.*allow read, exec /opt/tools/config" $tmp/os-verify.txt
has "network from an interpreter" "interpreter-grant.*python3" $tmp/os-verify.txt
has "binary under a writable path" "writable-identity.*/opt/tools/bin/gh-helper" $tmp/os-verify.txt
has "REST rules" "allow http POST \"/repos/\*/issues\";" $tmp/os.osh
has "tls comment" "# tls terminate" $tmp/os.osh

# ---- export ----
status 0 "export systemd" $OSHC export --to systemd $EX --policy coding_agent -o $tmp/unit.conf
for k in '^\[Service\]' '^SystemCallFilter=.*openat' '^SystemCallErrorNumber=EPERM' \
	'^ReadWritePaths=/tmp' '^InaccessiblePaths=\|^# InaccessiblePaths=' '^MemoryMax=2147483648' \
	'^TasksMax=256' '^CPUQuota=150%' '^LimitNOFILE=4096' '^NoNewPrivileges=yes' \
	'^CapabilityBoundingSet=$' '^IPAddressDeny=any' '^# .*HTTP rules' '^User=1000'; do
	has "systemd $k" "$k" $tmp/unit.conf
done
if grep -v '^#' $tmp/unit.conf | grep -v '^\[Service\]$' | grep -qv '^[A-Za-z]*='; then
	bad "systemd: a line that is neither a setting nor a comment"
else ok; fi
status 0 "export systemd of the openshell import" $OSHC export --to systemd $tmp/os.osh -o $tmp/os.conf
has "no syscalls section: no filter line" "^User=sandbox" $tmp/os.conf
printf 'policy quiet {\n    fs { allow read /usr; }\n}\n' >$tmp/quiet.osh
status 0 "export systemd, no net" $OSHC export --to systemd $tmp/quiet.osh -o $tmp/quiet.conf
has "no net section: PrivateNetwork" "^PrivateNetwork=yes" $tmp/quiet.conf
status 0 "export oci-seccomp" $OSHC export --to oci-seccomp $tmp/docker.osh -o $tmp/back.json
status 0 "the exported profile imports again" $OSHC import --from oci $tmp/back.json -o $tmp/back.osh
status 0 "and compiles" $OSHC compile $tmp/back.osh -o $tmp/back.oshb

# ---- bad input: exit 1 with a message ----
printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [' >$tmp/trunc.json
printf '{"defaultAction": "SCMP_ACT_ERRNO", "colour": "red"}' >$tmp/field.json
printf '{"defaultAction": "SCMP_ACT_FOO"}' >$tmp/act.json
printf 'version: 1\nfilesystem_policy: [unclosed\n' >$tmp/trunc.yaml
printf 'version: 2\n' >$tmp/v2.yaml
printf 'version: 1\nfilesystem_policy:\n  read_only: [/usr]\n  writable: [/]\n' >$tmp/field.yaml
printf 'version: 1\nnetwork_policies:\n  x:\n    endpoints:\n      - host: a.example.com\n        port: 443\n        speed: fast\n' >$tmp/epfield.yaml
printf '' >$tmp/empty.yaml
for oshc in $OSHC ${OSHC_ASAN:-}; do
	for c in "oci trunc.json malformed JSON" "oci field.json unknown field" \
		"oci act.json unknown defaultAction" "openshell trunc.yaml malformed YAML" \
		"openshell v2.yaml unsupported version" "openshell field.yaml unknown field" \
		"openshell epfield.yaml unknown field" "openshell empty.yaml empty"; do
		set -- $c
		status 1 "$oshc import --from $1 $2" $oshc import --from $1 $tmp/$2
		has "message for $2" "$3" $tmp/err
	done
done

# ---- usage errors: exit 2 ----
status 2 "import without --from" $OSHC import $D/docker-default.json
status 2 "import --from nope" $OSHC import --from nope $D/docker-default.json
status 2 "import without a file" $OSHC import --from oci
status 2 "import, missing file" $OSHC import --from oci $tmp/none.json
status 2 "import --name keyword" $OSHC import --from oci --name policy $D/docker-default.json
status 2 "import --arch unknown" $OSHC import --from oci --arch vax $D/docker-default.json
status 2 "export without --to" $OSHC export $EX
status 2 "export --to nope" $OSHC export --to nope $EX
status 2 "export, unknown option" $OSHC export --to systemd --frob $EX
status 1 "export of a broken policy" $OSHC export --to systemd $tmp/trunc.json

echo "import_export: $pass passed, $fail failed"
[ "$fail" = 0 ]
