/**
 * Tensors: row-major views (shape, float32 or float64) over off-heap {@link java.lang.foreign.MemorySegment}s in
 * an arena the caller owns. A tensor owns no memory; it dies with its arena, after which every access throws
 * {@link java.lang.IllegalStateException}. Everything else in Gatun computes on these.
 */
package dev.gatun.tensor;
