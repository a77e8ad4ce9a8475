#!/usr/bin/env bash
# Regenerates bindings/ from the system cblas.h (OpenBLAS's, from libopenblas-dev) and blis.h (from
# libblis-pthread-dev). Needs jextract (https://jdk.java.net/jextract/) on PATH; the machines Gatun is built on
# usually cannot install it, which is why the output is checked in.
# No --library option on purpose: the generated lookup falls back to the class loader's libraries, and
# dev.gatun.blas.BlasLibrary loads the one CBLAS library it found (property, env, system path) before first use.
set -euo pipefail
here="$(CDPATH='' cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
header="${CBLAS_HEADER:-/usr/include/x86_64-linux-gnu/cblas.h}"
blis_header="${BLIS_HEADER:-/usr/include/x86_64-linux-gnu/blis-pthread/blis.h}"
rm -rf "$here/../bindings/dev/gatun/bindings/openblas" "$here/../bindings/dev/gatun/bindings/blis"
jextract --output "$here/../bindings" \
  --target-package dev.gatun.bindings.openblas \
  --header-class-name cblas_h \
  -I /usr/include/x86_64-linux-gnu \
  @"$here/cblas-symbols.txt" \
  "$header"
jextract --output "$here/../bindings" \
  --target-package dev.gatun.bindings.blis \
  --header-class-name blis_h \
  @"$here/blis-symbols.txt" \
  "$blis_header"
