#!/bin/sh
# install.sh - make install and make uninstall end to end, then the
# tutorial word for word.
#
# 1. `make install DESTDIR=D PREFIX=/usr`: every file lands under D/usr.
# 2. `make install PREFIX=P` (no DESTDIR): the installed oshc finds the
#    stdlib it was installed with, without OSH_STDLIB (and fails once that
#    copy is moved away: the test can see a wrong compiled-in path).
# 3. The man pages parse (groff -man -ww, when groff is installed), the bash
#    completion files parse (bash -n), the TextMate grammar is JSON (jq).
# 4. `make uninstall` leaves no file behind, in both layouts.
# 5. docs/tutorial.md: every `<!-- file: NAME -->` block is written, every
#    `<!-- run -->` block's `$ ` commands run in order in one shell and
#    their output must equal the lines shown (as root only: the tutorial
#    runs as root; python3 needed).
# Prints "N passed, M failed".
set -u
OSHC=${OSHC:-build/oshc}
root=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$(dirname "$OSHC")" && pwd)
BUILD=${BUILD#"$root"/}
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/osh-install.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
unset DESTDIR PREFIX

# the files make install must put under PREFIX
files="bin/oshc bin/osh-run bin/osh-proxy
share/oshc/stdlib-policies/std/base.osh
share/oshc/stdlib-policies/examples/coding_agent.osh
share/man/man1/oshc.1 share/man/man1/osh-run.1 share/man/man1/osh-proxy.1
share/man/man5/osh.5
share/bash-completion/completions/oshc share/bash-completion/completions/osh-run
share/vim/vimfiles/syntax/osh.vim share/vim/vimfiles/ftdetect/osh.vim
share/oshc/osh.tmLanguage.json"

check_installed() { # DIR (the PREFIX as seen on disk)
	for f in $files; do
		[ -f "$1/$f" ] && ok || bad "make install did not install $1/$f"
	done
	for b in oshc osh-run osh-proxy; do
		[ -x "$1/bin/$b" ] && ok || bad "$1/bin/$b is not executable"
	done
}
check_removed() { # DIR
	left=$(find "$1" -type f 2>/dev/null)
	[ -z "$left" ] && ok || bad "make uninstall left files behind: $left"
}

# 1. DESTDIR and PREFIX=/usr
if make -C "$root" --no-print-directory BUILD="$BUILD" install DESTDIR="$tmp/dest" PREFIX=/usr \
	>"$tmp/make.log" 2>&1; then
	ok
	check_installed "$tmp/dest/usr"
else
	bad "make install DESTDIR=$tmp/dest PREFIX=/usr failed:"
	tail -20 "$tmp/make.log"
fi

# 2. PREFIX only: the installed oshc finds its own stdlib
P=$tmp/prefix
if make -C "$root" --no-print-directory BUILD="$BUILD" install PREFIX="$P" >"$tmp/make.log" 2>&1; then
	ok
	check_installed "$P"
else
	bad "make install PREFIX=$P failed:"
	tail -20 "$tmp/make.log"
fi
cat >"$tmp/uses_std.osh" <<'POL'
import "std/base.osh";
policy p { use base; syscalls { default errno(EPERM); } }
POL
if (cd "$tmp" && env -u OSH_STDLIB "$P/bin/oshc" check uses_std.osh) >"$tmp/out" 2>&1; then
	ok
else
	bad "the installed oshc does not find its stdlib without OSH_STDLIB:"
	cat "$tmp/out"
fi
mv "$P/share/oshc/stdlib-policies" "$P/share/oshc/moved"
if (cd "$tmp" && env -u OSH_STDLIB "$P/bin/oshc" check uses_std.osh) >"$tmp/out" 2>&1; then
	bad "the installed oshc found a stdlib after it was moved away (which one?)"
else
	ok
fi
mv "$P/share/oshc/moved" "$P/share/oshc/stdlib-policies"

# 3. the files parse
if command -v groff >/dev/null 2>&1; then
	for m in man1/oshc.1 man1/osh-run.1 man1/osh-proxy.1 man5/osh.5; do
		w=$(groff -man -Tutf8 -ww "$P/share/man/$m" 2>&1 >/dev/null)
		[ -z "$w" ] && ok || bad "groff warns on $m: $w"
	done
else
	echo "SKIP: groff is not installed: the man pages are not parsed"
fi
for c in oshc osh-run; do
	bash -n "$P/share/bash-completion/completions/$c" && ok || bad "bash -n $c completion"
done
# the completion offers the subcommands and the --emit kinds
got=$(bash -c ". '$P/share/bash-completion/completions/oshc'; COMP_WORDS=(oshc ve); COMP_CWORD=1;
	_oshc; echo \"\${COMPREPLY[*]}\"")
[ "$got" = verify ] && ok || bad "completion of 'oshc ve' gave '$got', not verify"
got=$(bash -c ". '$P/share/bash-completion/completions/oshc'; COMP_WORDS=(oshc compile --emit bpf); COMP_CWORD=3;
	_oshc; echo \"\${COMPREPLY[*]}\"")
[ "$got" = "bpf bpf-asm" ] && ok || bad "completion of 'oshc compile --emit bpf' gave '$got'"
jq -e '.scopeName == "source.osh"' "$P/share/oshc/osh.tmLanguage.json" >/dev/null &&
	ok || bad "osh.tmLanguage.json does not parse or has no scopeName source.osh"

# 4. uninstall
make -C "$root" --no-print-directory BUILD="$BUILD" uninstall PREFIX="$P" >"$tmp/make.log" 2>&1 &&
	ok || bad "make uninstall PREFIX=$P failed"
check_removed "$P"
make -C "$root" --no-print-directory BUILD="$BUILD" uninstall DESTDIR="$tmp/dest" PREFIX=/usr \
	>"$tmp/make.log" 2>&1 && ok || bad "make uninstall DESTDIR=... failed"
check_removed "$tmp/dest"

# 5. the tutorial
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the tutorial runs as root"
elif ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 is missing: the tutorial's agent is a Python script"
else
	mkdir -p "$tmp/tut/work"
	chmod 755 "$tmp/tut"
	if python3 - "$root/docs/tutorial.md" "$tmp/tut" "$root/$BUILD" <<'PY'; then
import os, re, subprocess, sys
doc, tut, build = sys.argv[1:4]
text = open(doc).read()
# the tutorial's directory is /tmp/osh-tutorial; the test's is tut
blocks = re.findall(r"<!-- (file: (\S+)|run) -->\n```[a-z]*\n(.*?)```", text, re.S)
script = ["cd " + tut, "rc=0"]
expected = []
for kind, name, body in blocks:
    if name:
        script.append("cat > %s <<'OSH_TUTORIAL_EOF'\n%sOSH_TUTORIAL_EOF" % (name, body))
        continue
    cmd = None
    for line in body.splitlines():
        if line.startswith("$ "):
            cmd = line[2:]
            expected.append((cmd, []))
            script.append("echo '@@@ %d'; (exit $rc); %s; rc=$?" % (len(expected) - 1, cmd))
        else:
            expected[-1][1].append(line)
env = dict(os.environ, PATH=build + ":" + os.environ["PATH"])
env.pop("OSH_STDLIB", None)
out = subprocess.run(["sh", "-c", "\n".join(script) + "\n"], env=env, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT, text=True).stdout
got = {}
cur = None
for line in out.splitlines():
    m = re.fullmatch(r"@@@ (\d+)", line)
    if m:
        cur = int(m.group(1))
        got[cur] = []
    elif cur is not None:
        got[cur].append(line)
def norm(lines):
    # the bundle's size changes with the compiler; the rest must not
    return sorted(re.sub(r"\(\d+ bytes\)", "(N bytes)", l.replace(tut, "/tmp/osh-tutorial"))
                  for l in lines if l.strip())
bad = 0
for i, (cmd, want) in enumerate(expected):
    have = got.get(i)
    if have is None or norm(have) != norm(want):
        bad += 1
        print("FAIL: tutorial: `%s` printed:\n%s\n-- the tutorial shows:\n%s" %
              (cmd, "\n".join(have or ["(nothing: not run)"]), "\n".join(want)))
print("tutorial: %d commands, %d differ" % (len(expected), bad))
sys.exit(1 if bad or not expected else 0)
PY
		ok
	else
		bad "docs/tutorial.md: the commands' output differs from the page (above)"
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
