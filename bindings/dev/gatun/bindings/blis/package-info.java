/**
 * FFM declarations of the BLIS functions Gatun calls beside CBLAS (version, architecture, thread count), in the
 * shape jextract generates (native/README.md gives the command). Internal: {@code dev.gatun.blas} calls each one
 * only after finding its symbol in the loaded library, since a library that is not BLIS has none of them.
 */
package dev.gatun.bindings.blis;
