/**
 * The network. A {@link dev.gatun.nn.Model} is a stack of layers ({@code Dense}, {@code BatchNorm},
 * {@code Dropout}) ending in a {@link dev.gatun.nn.Loss}; {@link dev.gatun.nn.Model#computeGradients} runs one
 * training pass (forward, loss, backward) and leaves every {@link dev.gatun.nn.Parameter}'s gradient beside its
 * value. Parameters live in the caller's arena, batch-sized buffers in the model's {@link dev.gatun.nn.Workspace}s.
 * For data-parallel training, {@link dev.gatun.nn.Model#computeDataGradients(dev.gatun.tensor.Tensor,
 * dev.gatun.nn.Targets, dev.gatun.nn.SharedBatch, dev.gatun.nn.Workspace)} runs one replica's part of a batch,
 * batch norm summing its statistics and dropout keying its masks through the {@link dev.gatun.nn.SharedBatch}.
 */
package dev.gatun.nn;
