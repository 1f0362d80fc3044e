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
echo "(osh-proxy.sh with native matchers)"
OSHC="$dir/oshc" sh "$(dirname "$0")/proxy.sh"
