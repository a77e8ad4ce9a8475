/**
 * FFM declarations of the OpenBLAS C API functions Gatun calls, in the shape jextract generates (native/README.md
 * gives the command). Internal: only {@code dev.gatun.blas} uses them, after validating every argument.
 */
package dev.gatun.bindings.openblas;
