#!/usr/bin/env bash
# Compiles sgemm_bench.c against the system OpenBLAS into target/bench/sgemm_bench (binaries are never
# committed) and prints the binary's path. Rebuilds only when the source is newer than the binary.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../../target/bench"
binary="$out/sgemm_bench"
if [ ! -x "$binary" ] || [ "$here/sgemm_bench.c" -nt "$binary" ]; then
  command -v gcc >/dev/null || { echo "bench: gcc not found: apt-get install gcc" >&2; exit 1; }
  mkdir -p "$out"
  gcc -O2 -Wall -Wextra -o "$binary" "$here/sgemm_bench.c" -lopenblas -lm -ldl \
    || { echo "bench: compiling sgemm_bench.c failed; it needs cblas.h and libopenblas.so: apt-get install libopenblas-dev" >&2; exit 1; }
fi
echo "$(cd "$out" && pwd)/sgemm_bench"
