/**
 * The JMH benchmarks behind BENCHMARKS.md (kernels, gemm, optimizer, batch assembly, training steps, prediction
 * latency) and the peers they are compared with. Compiled with the tests, so they reach the internal packages
 * (kernels, bindings) the way the tests do; {@code bench/run} builds and runs them.
 */
package dev.gatun.bench;
