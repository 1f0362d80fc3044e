#!/bin/sh
# stdlib_profiles.sh - the stdlib's policies verify clean and its profiles
# run their kind of program.
#
# 1. `oshc verify --strict` exits 0 on every stdlib file that holds a
#    policy (std/*.osh, std/profiles/*.osh), and on a small policy per
#    preset of std/presets.osh (`use sandbox, PRESET;`, with the waiver
#    docs/stdlib.md gives for the presets whose client is an interpreter).
#    A policy that breaks an invariant of std/invariants.osh must fail.
# 2. Each profile, compiled and run under osh-run as root (the agent runs
#    as nobody), in a work tree of its own with a .env the agent must not
#    read:
#    offline            python3 writes a file; its TCP connect fails
#    python-tool        python3 runs a script from the work tree; no shell,
#                       no IP socket
#    node-agent         node runs a script; osh-proxy refuses a host that
#                       is not a model API or npm; no shell
#    coding-agent       git add and commit in a repository, git init of a
#                       new one; .git/hooks and .git/config stay read-only
#    research-assistant curl GETs a page from a local server through
#                       osh-proxy; POST is refused, HTTPS is refused, and
#                       python3 (not curl) is refused.  The local server
#                       is on 127.0.0.1, which the proxy opens only to a
#                       rule naming it: the test policy uses the profile's
#                       fragments plus such a rule with the profile's http
#                       rules.  `oshc query` decides the same requests
#                       against the profile itself for a public host.
# Prints "N passed, M failed".
set -u
OSHC=${OSHC:-build/oshc}
RUN=${OSH_RUN:-$(dirname "$OSHC")/osh-run}
export OSH_STDLIB=${OSH_STDLIB:-stdlib-policies}
STD=$OSH_STDLIB/std
# shellcheck source=tests/e2e_lib.sh
. "$(dirname "$0")/../e2e_lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/osh-stdlib-e2e.XXXXXX")
chmod 755 "$tmp"
srv=""
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- 1. verify --strict ----
verify() { # FILE: must exit 0
	if "$OSHC" verify --strict "$1" >"$tmp/v.out" 2>&1; then ok; else
		bad "oshc verify --strict $1"
		head -20 "$tmp/v.out"
	fi
}
for f in "$STD"/*.osh "$STD"/profiles/*.osh; do
	grep -q '^policy ' "$f" && verify "$f"
done
for f in "$STD"/profiles/*.osh; do
	if "$OSHC" fmt --check "$f" >/dev/null; then ok; else bad "$f is not in canonical format"; fi
done

# every preset, in a policy of its own
for p in pypi npm crates go_modules github_read github_write huggingface model_apis_python \
	model_apis_node; do
	w=""
	case $p in
	pypi | npm | huggingface | model_apis_*)
		w='waive interpreter-grant "the client of this service is an interpreter; reviewed";'
		;;
	esac
	cat >"$tmp/preset_$p.osh" <<EOF
import "std/sandbox.osh";
import "std/presets.osh";

policy preset_$p {
    use sandbox, $p;
    syscalls { allow socket when domain in { AF_UNIX, AF_INET, AF_INET6 } && type & 15 != SOCK_RAW; }
    $w
}
EOF
	verify "$tmp/preset_$p.osh"
done

# the invariants bite: each of these policies breaks one (assert-never)
breaks() { # NAME ITEMS
	printf 'import "std/sandbox.osh";\npolicy %s {\n    use sandbox;\n    %s\n}\n' "$1" "$2" >"$tmp/$1.osh"
	if "$OSHC" verify --format json "$tmp/$1.osh" >"$tmp/v.out" 2>&1; then
		bad "$1: verify passed a policy that breaks an invariant"
	elif grep -q '"assert-never"' "$tmp/v.out"; then ok; else
		bad "$1: no assert-never finding"
		head -20 "$tmp/v.out"
	fi
}
breaks reads_ssh 'fs { allow read $HOME/.ssh; }'
breaks metadata 'net { allow connect 169.254.169.254:80 from /usr/bin/curl; }'
breaks host_services 'net { allow connect 127.0.0.1:5432 from /usr/bin/psql; }'
breaks tracer 'syscalls { allow ptrace; }'
breaks userns 'syscalls { allow unshare; }'

# ---- 2. the profiles under osh-run ----
if [ "$(id -u)" != 0 ] || [ ! -x "$RUN" ]; then
	echo "SKIP: the osh-run half needs root and $RUN"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
fi
for prog in /usr/bin/python3 /usr/bin/node /usr/bin/git /usr/bin/curl; do
	if [ ! -x "$prog" ]; then
		bad "$prog is missing: the profiles' programs are python3, node, git and curl (apt-get install python3 nodejs git curl)"
	fi
done
OSHC=$(cd "$(dirname "$OSHC")" && pwd)/$(basename "$OSHC")
RUN=$(cd "$(dirname "$RUN")" && pwd)/$(basename "$RUN")
# $HOME must not be /root: std/secrets.osh names /root/.ssh and the like,
# and osh-run refuses a $HOME that contains a path the policy names.
mkdir "$tmp/home" && chown nobody "$tmp/home"
mkdir "$tmp/outside" && echo outside-secret >"$tmp/outside/secret" && chmod 644 "$tmp/outside/secret"

compile() { # NAME FILE [--policy P]
	n=$1
	shift
	if ! "$OSHC" compile "$@" -o "$tmp/$n.oshb" >"$tmp/c.out" 2>&1; then
		bad "compile $n"
		cat "$tmp/c.out"
	fi
}
workdir() { # NAME: a fresh work tree with a .env, owned by nobody
	w=$tmp/work-$1
	mkdir -p "$w" && echo 'API_KEY=env-secret' >"$w/.env"
}
# run NAME COMMAND...: the profile NAME's bundle in its work tree
run() {
	n=$1
	shift
	chown -R nobody "$tmp/work-$n"
	(cd "$tmp/work-$n" && HOME=$tmp/home "$RUN" "$tmp/$n.oshb" -- "$@") >"$tmp/out" 2>&1
	rc=$?
}
expect() { # DESCRIPTION PATTERN
	if grep -q -- "$2" "$tmp/out"; then ok; else
		bad "$1: no '$2' in the output (exit $rc)"
		head -10 "$tmp/out"
	fi
}
refute() { # DESCRIPTION PATTERN
	if grep -q -- "$2" "$tmp/out"; then
		bad "$1: '$2' in the output"
		head -10 "$tmp/out"
	else ok; fi
}
expect_rc() { # DESCRIPTION WANT
	if [ "$rc" = "$2" ]; then ok; else
		bad "$1: exit $rc, want $2"
		head -10 "$tmp/out"
	fi
}

# A Python probe: each argument is a check, printing one line.
cat >"$tmp/probe.py" <<'EOF'
import os, socket, subprocess, sys
for what in sys.argv[1:]:
    try:
        if what == "env":
            print("env:", open(".env").read().strip())
        elif what.startswith("outside="):
            print("outside:", open(what[8:]).read().strip())
        elif what == "write":
            open("written.txt", "w").write("ok\n")
            print("write: " + open("written.txt").read().strip())
        elif what == "tcp":
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            print("tcp: socket")
            s.settimeout(5)
            s.connect(("127.0.0.1", 3128))
            print("tcp: connected")
        elif what.startswith("get="):
            # a plain HTTP GET through osh-proxy, by hand (NO_PROXY
            # names 127.0.0.1, so urllib would not use the proxy)
            c = socket.create_connection(("127.0.0.1", 3128), timeout=5)
            c.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % what[4:]).encode())
            print("get:", c.recv(4096).decode().split("\r\n")[0])
        elif what == "shell":
            subprocess.run(["/bin/sh", "-c", "echo shell-ran"], check=True)
        else:
            print("unknown check", what)
    except OSError as e:
        print(what.split("=")[0] + ": refused", e.errno)
EOF
chmod 644 "$tmp/probe.py"

# -- offline --
compile offline "$STD/profiles/offline.osh"
workdir offline
cp "$tmp/probe.py" "$tmp/work-offline/probe.py"
run offline /usr/bin/python3 probe.py write tcp env "outside=$tmp/outside/secret"
expect_rc "offline: python3 runs" 0
expect "offline: writes in the work tree" "write: ok"
expect "offline: no IP socket" "tcp: refused 1"
refute "offline: no IP socket" "tcp: socket"
expect "offline: .env is hidden" "env: refused"
refute "offline: .env is hidden" "env-secret"
expect "offline: a file outside the grants is unreadable" "outside: refused"
run offline /bin/sh -c 'ls /usr/bin/git >/dev/null && echo sh-ran'
expect "offline: the system's programs run" "sh-ran"

# -- python-tool --
compile python_tool "$STD/profiles/python-tool.osh"
workdir python_tool
cat >"$tmp/work-python_tool/tool.py" <<'EOF'
import json, statistics
rows = [1, 2, 3, 4, 10]
json.dump({"mean": statistics.mean(rows)}, open("result.json", "w"))
print("mean", statistics.mean(rows))
EOF
run python_tool /usr/bin/python3 tool.py
expect_rc "python-tool: the script runs" 0
expect "python-tool: the script's output" "mean 4"
if grep -q '"mean": 4' "$tmp/work-python_tool/result.json" 2>/dev/null; then ok; else
	bad "python-tool: result.json was not written"
fi
cp "$tmp/probe.py" "$tmp/work-python_tool/probe.py"
run python_tool /usr/bin/python3 probe.py shell tcp env
expect "python-tool: no shell" "shell: refused 13"
expect "python-tool: no IP socket" "tcp: refused 1"
expect "python-tool: .env is hidden" "env: refused"
run python_tool /bin/sh -c 'echo sh-ran'
refute "python-tool: sh is not granted" "sh-ran"

# -- node-agent --
compile node_agent "$STD/profiles/node-agent.osh"
workdir node_agent
cat >"$tmp/work-node_agent/agent.js" <<'EOF'
const fs = require("fs"), net = require("net"), cp = require("child_process");
fs.writeFileSync("notes.txt", "node wrote this\n");
console.log("read back:", fs.readFileSync("notes.txt", "utf8").trim());
try { fs.readFileSync(".env"); console.log("env: read"); } catch (e) { console.log("env:", e.code); }
try { cp.execFileSync("/bin/sh", ["-c", "echo shell-ran"]); } catch (e) { console.log("shell:", e.code); }
// a host that is neither a model API nor npm, through osh-proxy
const s = net.connect(3128, "127.0.0.1", () => s.write("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"));
s.on("data", (d) => { console.log("proxy:", d.toString().split("\r\n")[0]); s.destroy(); });
s.on("error", (e) => console.log("proxy error:", e.code));
EOF
run node_agent /usr/bin/node agent.js
expect_rc "node-agent: node runs" 0
expect "node-agent: writes in the work tree" "read back: node wrote this"
expect "node-agent: .env is hidden" "env: EACCES"
expect "node-agent: no shell" "shell: EACCES"
expect "node-agent: osh-proxy refuses another host" "proxy: HTTP/1.1 403"
for q in "connect api.anthropic.com:443 from /usr/bin/node:allow" \
	"connect registry.npmjs.org:443 from /usr/bin/node:allow" \
	"connect api.anthropic.com:443 from /usr/bin/curl:deny" \
	"connect pastebin.com:443 from /usr/bin/node:deny"; do
	if "$OSHC" query "$STD/profiles/node-agent.osh" "${q%:*}" --expect "${q##*:}" >/dev/null 2>&1; then ok; else
		bad "node-agent: query '${q%:*}' is not ${q##*:}"
	fi
done

# -- coding-agent --
compile coding_agent "$STD/profiles/coding-agent.osh"
workdir coding_agent
w=$tmp/work-coding_agent
git init -q "$w" && printf 'print("hello")\n' >"$w/main.py" && echo .env >"$w/.gitignore"
printf '[user]\n\tname = Agent\n\temail = agent@example.invalid\n' >"$tmp/home/.gitconfig"
run coding_agent /bin/sh -c 'git add main.py .gitignore && git commit -q -m "first commit" &&
	git log --format=%s && git status --short;
	echo "#!/bin/sh" >.git/hooks/pre-commit && echo hook-written;
	git config core.hooksPath /tmp/x && echo config-written;
	cat .env;
	mkdir sub && cd sub && git init -q && echo sub-init-ok'
expect "coding-agent: git commits" "^first commit"
refute "coding-agent: the commit leaves the tree clean" "main.py"
expect "coding-agent: git init of a new repository" "sub-init-ok"
refute "coding-agent: .git/hooks is read-only" "hook-written"
[ -e "$w/.git/hooks/pre-commit" ] && bad "coding-agent: a hook was written"
refute "coding-agent: .git/config is read-only" "config-written"
if git -C "$w" config core.hooksPath >/dev/null; then bad "coding-agent: core.hooksPath was set"; else ok; fi
refute "coding-agent: .env is hidden" "env-secret"
for q in "connect github.com:443 from /usr/lib/git-core/git-remote-http:allow" \
	"connect api.openai.com:443 from /usr/bin/python3.11:allow" \
	"connect github.com:443 from /usr/bin/python3.11:deny" \
	"connect 169.254.169.254:80 from /usr/bin/curl:deny"; do
	if "$OSHC" query "$STD/profiles/coding-agent.osh" "${q%:*}" --expect "${q##*:}" >/dev/null 2>&1; then ok; else
		bad "coding-agent: query '${q%:*}' is not ${q##*:}"
	fi
done

# -- research-assistant --
mkdir "$tmp/site" && echo '<title>osh test page</title>' >"$tmp/site/page.html"
(cd "$tmp/site" && exec /usr/bin/python3 -u -m http.server --bind 127.0.0.1 0) >"$tmp/srv.out" 2>&1 &
srv=$!
i=0
while ! grep -q 'port [0-9]' "$tmp/srv.out" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
S=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$tmp/srv.out" | head -1)
cat >"$tmp/research_test.osh" <<EOF
import "std/profiles/research-assistant.osh";

# research_assistant, plus the local test server: the proxy refuses
# loopback unless a rule names it.
policy research_test {
    use sandbox, research_assistant_tools, web_read_only;
    net {
        allow connect 127.0.0.1:$S from /usr/bin/curl {
            allow http GET, HEAD /**;
        }
    }
}
EOF
compile research "$tmp/research_test.osh" --policy research_test
workdir research
cp "$tmp/probe.py" "$tmp/work-research/probe.py"
u=http://127.0.0.1:$S/page.html
px="--noproxy '' -x http://127.0.0.1:3128"
run research /bin/sh -c "curl -s $px $u -o page.html && cat page.html;
	echo post=\$(curl -s $px -o /dev/null -w '%{http_code}' -d q=1 $u);
	echo https=\$(curl -s $px -o /dev/null -w '%{http_code}' https://example.com/; echo rc=\$?);
	python3 probe.py get=$u"
expect "research-assistant: curl GETs the page through osh-proxy" "osh test page"
expect "research-assistant: POST is refused" "post=403"
expect "research-assistant: HTTPS is refused" "https=000rc=56"
expect "research-assistant: python3 is not the fetcher" "get: HTTP/1.1 403"
for q in "http GET example.org:80/wiki addr=198.51.100.7 from /usr/bin/curl:allow" \
	"http POST example.org:80/wiki addr=198.51.100.7 from /usr/bin/curl:deny" \
	"connect example.org:443 addr=198.51.100.7 from /usr/bin/curl:deny" \
	"http GET 169.254.169.254:80/latest from /usr/bin/curl:deny" \
	"http GET example.org:80/ addr=198.51.100.7 from /usr/bin/python3.11:deny"; do
	if "$OSHC" query "$STD/profiles/research-assistant.osh" "${q%:*}" --expect "${q##*:}" >/dev/null 2>&1; then ok; else
		bad "research-assistant: query '${q%:*}' is not ${q##*:}"
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
