#!/bin/sh
# proxy_bench.sh - osh-proxy beside a direct connection and tinyproxy on
# loopback: latency of a small HTTP request (p50/p99 over N requests, a
# fresh connection each, and N on one keep-alive connection where the peer
# keeps it alive) and CONNECT tunnel throughput (see bench/proxy_bench.c).
# Goal: osh-proxy adds under 100 us at p50.  tinyproxy (Debian package
# `tinyproxy`) is installed when missing and we are root; otherwise its
# rows say it is missing.  Run from the repository root after `make`.
set -eu
BUILD=${BUILD:-build}
N=${N:-2000}
MIB=${MIB:-512}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/osh-proxy-bench.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
cc -std=gnu11 -O2 -D_GNU_SOURCE -o "$tmp/proxy_bench" bench/proxy_bench.c -lpthread
B=$tmp/proxy_bench
wait_file() { # wait_file FILE PATTERN
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
free_port() { # a port nothing listens on (ask the kernel, then release it)
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

"$B" server "$tmp/sport" &
pids="$pids $!"
wait_file "$tmp/sport" .
S=$(cat "$tmp/sport")

printf 'policy bench { net { allow connect 127.0.0.1:%s; } }\n' "$S" >"$tmp/bench.osh"
"$BUILD/oshc" compile "$tmp/bench.osh" -o "$tmp/bench.oshb" >/dev/null 2>&1
"$BUILD/osh-proxy" --bundle "$tmp/bench.oshb" --listen 127.0.0.1:0 --no-identity \
	--log "$tmp/osh.log" >"$tmp/osh.port" &
pids="$pids $!"
wait_file "$tmp/osh.port" listening
OP=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$tmp/osh.port")

TP=""
if ! command -v tinyproxy >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	echo "installing tinyproxy (the peer)..."
	(apt-get install -y -qq tinyproxy || { apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tinyproxy; }) >/dev/null 2>&1 || true
fi
TINY=$(command -v tinyproxy || true)
if [ -n "$TINY" ]; then
	TP=$(free_port)
	cat >"$tmp/tiny.conf" <<CONF
Port $TP
Listen 127.0.0.1
Timeout 600
MaxClients 100
Allow 127.0.0.1
LogLevel Critical
DisableViaHeader Yes
CONF
	"$TINY" -d -c "$tmp/tiny.conf" >/dev/null 2>&1 &
	pids="$pids $!"
	sleep 0.5
fi

row() { # row NAME PROXYPORT
	lf=$("$B" latency "$2" "$S" "$N" fresh)
	lk=$("$B" latency "$2" "$S" "$N" keepalive 2>/dev/null || echo "n/a")
	tp=$("$B" throughput "$2" "$S" "$MIB")
	printf '%-12s %-30s %-30s %s\n' "$1" "$lf" "$lk" "$tp"
}
echo "proxy latency ($N requests, small response) and tunnel throughput ($MIB MiB), loopback"
printf '%-12s %-30s %-30s %s\n' "" "fresh connection" "keep-alive" "CONNECT upload"
row direct 0
row osh-proxy "$OP"
if [ -n "$TP" ]; then row tinyproxy "$TP"; else printf '%-12s missing (not root: apt-get install tinyproxy)\n' tinyproxy; fi
# the added latency: osh-proxy's p50 minus direct's, runs interleaved (the
# host may be busy), the median of three
added() { # added fresh|keepalive
	for i in 1 2 3; do
		d=$("$B" latency 0 "$S" "$N" "$1" | awk '{print $2}')
		o=$("$B" latency "$OP" "$S" "$N" "$1" | awk '{print $2}')
		awk -v d="$d" -v o="$o" 'BEGIN { print o - d }'
	done | sort -n | sed -n 2p
}
ka=$(added keepalive)
fr=$(added fresh)
awk -v a="$ka" 'BEGIN { printf "osh-proxy adds %.1f us per request at p50 on a keep-alive connection (goal < 100 us): %s\n", a, a < 100 ? "met" : "MISSED" }'
awk -v a="$fr" 'BEGIN { printf "osh-proxy adds %.1f us at p50 with a fresh connection per request (a second TCP connection included)\n", a }'
