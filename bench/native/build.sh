#!/usr/bin/env bash
# Compiles gemm_bench.c into target/bench/gemm_bench (binaries are never committed) and prints the binary's path.
# It opens the CBLAS library at run time (dlopen), so it links no BLAS. Rebuilds only when the source is newer.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../../target/bench"
binary="$out/gemm_bench"
if [ ! -x "$binary" ] || [ "$here/gemm_bench.c" -nt "$binary" ]; then
  command -v gcc >/dev/null || { echo "bench: gcc not found: apt-get install gcc" >&2; exit 1; }
  mkdir -p "$out"
  gcc -O2 -Wall -Wextra -o "$binary" "$here/gemm_bench.c" -lm -ldl \
    || { echo "bench: compiling gemm_bench.c failed" >&2; exit 1; }
fi
echo "$(cd "$out" && pwd)/gemm_bench"
