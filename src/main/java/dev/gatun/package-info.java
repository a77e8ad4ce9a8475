/**
 * Gatun, a deep-learning engine for the JVM: {@link dev.gatun.Gatun} reports the build (its version). The engine is
 * in the subpackages, in dependency order {@code tensor}, {@code blas}, kernels (internal), {@code nn},
 * {@code optim}, {@code data}, {@code train}, {@code tune}, {@code io}, {@code serve}; ARCHITECTURE.md in the
 * repository traces a training step and a prediction through them.
 */
package dev.gatun;
