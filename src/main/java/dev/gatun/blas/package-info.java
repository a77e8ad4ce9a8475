/**
 * The one door to native BLAS. {@link dev.gatun.blas.Blas} validates every call (shapes, dtypes, overlap, liveness)
 * before it reaches OpenBLAS, which is found on the system at first use (never bundled) and called through the FFM
 * bindings; {@code -Dgatun.blas=java} selects the naive Java reference instead. A missing or unusable library is a
 * {@link dev.gatun.blas.BlasUnavailableException} saying what to install; {@link dev.gatun.blas.Blas#requireAvailable()}
 * raises it at start-up.
 */
package dev.gatun.blas;
