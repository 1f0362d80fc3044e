#!/bin/sh
# native_bench.sh - the native egress matcher (LLVM) beside the table
# interpreter osh-proxy runs without it and a naive linear scan, at 10,
# 1,000 and 10,000 rules: decisions per second, ns per decision, and the
# time to generate and compile the matcher (see bench/native_bench.c).
# Goals: native >= 10x the interpreter and < 300 ns per decision at 10,000
# rules; generating and compiling 10,000 rules in under 2 s.  Run from the
# repository root after `make` (make bench); NATIVE_SIZES="10 1000" to
# pick sizes.
set -eu
BUILD=${BUILD:-build}
out=${TMPDIR:-/tmp}/osh-native-bench.$$
mkdir -p "$out"
trap 'rm -rf "$out"' EXIT
cc -std=gnu11 -O2 -D_GNU_SOURCE -I. -I"$BUILD" -o "$out/native_bench" bench/native_bench.c \
	"$BUILD/libosh.a" -lseccomp -lz3 $(llvm-config --ldflags --libs core native passes target analysis) \
	$(llvm-config --system-libs)
# shellcheck disable=SC2086
"$out/native_bench" ${NATIVE_SIZES:-}
