#!/usr/bin/env bash
# Compiles gemm_bench.c into target/bench/gemm_bench and gemm_loop.c into target/bench/libgemm_loop.so beside it
# (binaries are never committed) and prints the program's path. Neither links a BLAS: the program opens the library
# at run time (dlopen), the loop is handed the function the JVM loaded. Rebuilds only when a source is newer.
set -euo pipefail
here="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../../target/bench"
binary="$out/gemm_bench"
if [ ! -x "$binary" ] || [ "$here/gemm_bench.c" -nt "$binary" ] || [ "$here/gemm_call.h" -nt "$binary" ]; then
  command -v gcc >/dev/null || { echo "bench: gcc not found: apt-get install gcc" >&2; exit 1; }
  mkdir -p "$out"
  gcc -O2 -Wall -Wextra -o "$binary" "$here/gemm_bench.c" -lm -ldl \
    || { echo "bench: compiling gemm_bench.c failed" >&2; exit 1; }
fi
loop="$out/libgemm_loop.so"
if [ ! -f "$loop" ] || [ "$here/gemm_loop.c" -nt "$loop" ] || [ "$here/gemm_call.h" -nt "$loop" ]; then
  mkdir -p "$out"
  gcc -O2 -Wall -Wextra -shared -fPIC -o "$loop" "$here/gemm_loop.c" \
    || { echo "bench: compiling gemm_loop.c failed" >&2; exit 1; }
fi
echo "$(cd "$out" && pwd)/gemm_bench"
