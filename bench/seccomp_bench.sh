#!/bin/sh
# seccomp_bench.sh - the seccomp backend beside libseccomp with its
# defaults, on the example policies and a Docker-like profile: compile
# time, BPF length, worst-case and mean instructions executed per syscall
# (see bench/seccomp_bench.c).  Goal: the largest stdlib policy compiles in
# under 20 ms.  Run from the repository root after `make` (make bench).
set -eu
BUILD=${BUILD:-build}
out=${TMPDIR:-/tmp}/osh-seccomp-bench.$$
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
cc -std=gnu11 -O2 -D_GNU_SOURCE -I. -I"$BUILD" -o "$out/seccomp_bench" bench/seccomp_bench.c \
	"$BUILD/libosh.a" -lseccomp
"$out/seccomp_bench" stdlib-policies/examples/*.osh
