/**
 * The one door to native BLAS. {@link dev.gatun.blas.Blas} validates every call (shapes, dtypes, overlap, liveness)
 * before it reaches the CBLAS library: OpenBLAS found on the system at first use (never bundled), or the library
 * {@code -Dgatun.blas.library} names (BLIS, the reference BLAS, any that exports the CBLAS functions Gatun calls),
 * called through the FFM bindings; {@code -Dgatun.blas=java} selects the naive Java reference instead. A missing or
 * unusable library is a {@link dev.gatun.blas.BlasUnavailableException} naming the library and what it lacks;
 * {@link dev.gatun.blas.Blas#requireAvailable()} raises it at start-up.
 */
package dev.gatun.blas;
