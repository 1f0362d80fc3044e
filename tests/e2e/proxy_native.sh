#!/bin/sh
# proxy_native.sh - tests/e2e/proxy.sh again with every bundle carrying the
# native egress matcher (oshc compile --native; docs/native-matcher.md), so
# osh-proxy decides with the LLVM-compiled code instead of the table
# interpreter.  An `oshc` wrapper beside links to the real osh-proxy and
# osh-run adds --native to each `oshc compile` that writes a bundle.
set -u
OSHC=${OSHC:-build/oshc}
BIN=$(cd "$(dirname "$OSHC")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/osh-proxy-native.XXXXXX")
trap 'rm -rf "$dir"' EXIT
ln -s "$BIN/osh-proxy" "$dir/osh-proxy"
ln -s "$BIN/osh-run" "$dir/osh-run"
cat >"$dir/oshc" <<WRAP
#!/bin/sh
if [ "\${1:-}" = compile ]; then
	shift
	case " \$* " in
	*" --emit"*) exec "$BIN/oshc" compile "\$@" ;;
	esac
	exec "$BIN/oshc" compile --native "\$@"
fi
exec "$BIN/oshc" "\$@"
WRAP
chmod +x "$dir/oshc"
# ---- the CLI, and osh-proxy refusing a native matcher it cannot trust ----
fails=0
check() { # check NAME CONDITION...
	name=$1
	shift
	if "$@"; then echo "ok: $name"; else echo "FAIL: $name"; fails=$((fails + 1)); fi
}
export OSH_STDLIB=${OSH_STDLIB:-stdlib-policies}
printf 'policy n { net { allow connect api.example.com:443, 10.0.0.0/8:80; } }\n' >"$dir/n.osh"
"$BIN/oshc" compile "$dir/n.osh" --emit llvm-ir -o "$dir/n.ll" 2>"$dir/err"
check "--emit llvm-ir prints osh_decide" grep -q "define i64 @osh_decide" "$dir/n.ll"
"$BIN/oshc" compile "$dir/n.osh" --emit obj -o "$dir/n.o" 2>"$dir/err"
check "--emit obj writes an ELF object" sh -c "head -c 4 '$dir/n.o' | grep -q ELF"
if command -v objdump >/dev/null; then
	check "... whose .text has no relocation" sh -c "! objdump -h '$dir/n.o' | grep -q rela.text"
fi
"$BIN/oshc" compile "$dir/n.osh" --native -o "$dir/n.oshb" 2>"$dir/err"
check "--native writes a bundle" test -s "$dir/n.oshb"
# tamper: the recorded hash (bundle checksum fixed up), the arch (both hashes fixed up)
tamper() { # tamper hash|arch IN OUT
	python3 - "$@" <<'PY'
import hashlib, struct, sys
mode, src, dst = sys.argv[1:4]
d = bytearray(open(src, "rb").read())
off = 24
while off < len(d) - 32:
    t, n = struct.unpack_from("<II", d, off)
    if t == 10:
        p = off + 8
        obj = p + 36
        olen = struct.unpack_from("<I", d, p + 32)[0]
        if mode == "hash":
            d[p] ^= 1
        else:
            d[obj + 12] = 40  # ELF machine: ARM
            d[p:p + 32] = hashlib.sha256(d[obj:obj + olen]).digest()
    off += 8 + ((n + 7) & ~7)
d[-32:] = hashlib.sha256(d[:-32]).digest()
open(dst, "wb").write(d)
PY
}
for m in hash arch; do
	tamper $m "$dir/n.oshb" "$dir/$m.oshb"
	timeout 5 "$BIN/osh-proxy" --bundle "$dir/$m.oshb" --listen 127.0.0.1:0 --no-identity \
		>"$dir/$m.out" 2>&1
	rc=$?
	check "osh-proxy refuses a native matcher with a bad $m (exit $rc)" \
		sh -c "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
	sed 's/^/    /' "$dir/$m.out" | head -2
done
timeout 2 "$BIN/osh-proxy" --bundle "$dir/n.oshb" --listen 127.0.0.1:0 --no-identity \
	>"$dir/good.out" 2>&1
check "osh-proxy starts with the untampered one (runs until the timeout)" test $? -eq 124

echo "(osh-proxy.sh with native matchers)"
OSHC="$dir/oshc" sh "$(dirname "$0")/proxy.sh" || fails=$((fails + 1))
exit $((fails > 0))
