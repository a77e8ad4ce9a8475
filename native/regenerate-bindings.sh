#!/usr/bin/env bash
# Regenerates bindings/ from the system cblas.h. Needs jextract (https://jdk.java.net/jextract/) on PATH;
# the machines Gatun is built on usually cannot install it, which is why the output is checked in.
# No --library option on purpose: the generated lookup falls back to the class loader's libraries, and
# dev.gatun.blas.OpenBlasLibrary loads the OpenBLAS it found (property, env, system path) before first use.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
header="${CBLAS_HEADER:-/usr/include/x86_64-linux-gnu/cblas.h}"
rm -rf "$here/../bindings/dev/gatun/bindings/openblas"
jextract --output "$here/../bindings" \
  --target-package dev.gatun.bindings.openblas \
  --header-class-name cblas_h \
  -I /usr/include/x86_64-linux-gnu \
  @"$here/cblas-symbols.txt" \
  "$header"
