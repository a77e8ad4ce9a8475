/**
 * Model files: a model file is a container of checksummed sections, written atomically and read with every length
 * bounded; {@link dev.gatun.io.ModelIo} stores a model's architecture, normalisation, metadata
 * and parameters in it (plus the optimizer state for a checkpoint) and validates all of it before allocating on
 * load. Anything inconsistent is a {@link dev.gatun.io.ModelFormatException}. {@link dev.gatun.io.OnnxExport} writes a
 * model as a standard ONNX graph, and {@link dev.gatun.io.ModelIo#load} reads {@code .onnx} files (PyTorch's
 * multilayer perceptrons, Gatun's own) into the same kind of model, both through the optional ONNX protobuf classes.
 */
package dev.gatun.io;
