/**
 * The network. A {@link dev.gatun.nn.Model} is a stack of layers ({@code Dense}, {@code BatchNorm},
 * {@code Dropout}) ending in a {@link dev.gatun.nn.Loss}; {@link dev.gatun.nn.Model#computeGradients} runs one
 * training pass (forward, loss, backward) and leaves every {@link dev.gatun.nn.Parameter}'s gradient beside its
 * value. Parameters live in the caller's arena, batch-sized buffers in the model's {@link dev.gatun.nn.Workspace}s.
 */
package dev.gatun.nn;
