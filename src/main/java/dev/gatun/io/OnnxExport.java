package dev.gatun.io;

import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.files.AtomicReplace;
import dev.gatun.nn.BatchNorm;
import dev.gatun.nn.Model;
import dev.gatun.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a model as a standard ONNX graph (opset {@value #OPSET}) that ONNX Runtime and other engines run, for
 * inference: input {@value #INPUT} {@code [batch, inputs]} float32 raw features, output {@value #PROBABILITIES}
 * (softmax or sigmoid models) or {@value #VALUES} (MSE models) {@code [batch, outputs]}.
 *
 * <p>The nodes, in order: the stored normalisation as {@code Sub(mean)} then {@code Div(std)} (one value for the
 * global modes, one per feature otherwise; nothing for {@link Normalization.Mode#NONE}); per hidden layer a
 * {@code Gemm} ({@code transB = 1}: the weights keep Gatun's {@code (out, in)} layout, PyTorch's too), then for a
 * batch-norm layer {@code BatchNormalization} in inference form (running statistics, ε = {@link BatchNorm#EPSILON})
 * instead of the bias, then {@code Relu}, {@code Tanh}, {@code Sigmoid} or {@code LeakyRelu} (α =
 * {@link Activation#LEAKY_SLOPE}); dropout is the identity at inference and writes nothing; then the output
 * {@code Gemm} and {@code Softmax} (axis 1) or {@code Sigmoid}. Initialisers are float32 under the model's
 * parameter names (W1, b1, gamma1, ...). The metadata (and {@link ModelMetadata#VERSION} and
 * {@link ModelMetadata#CREATED}, as {@link ModelIo#save} writes them) become the model's {@code metadata_props}.
 *
 * <p>Needs Tribuo's {@code tribuo-util-onnx} and protobuf-java at run time (optional dependencies of Gatun); without
 * them {@link #save} throws IllegalStateException saying so. This class names none of their types, so it loads
 * without them.
 */
public final class OnnxExport {
    /** The operator set written: the oldest with today's Softmax, read by every current ONNX runtime. */
    public static final int OPSET = 13;
    /** ONNX's IR version that goes with {@link #OPSET}. */
    static final int IR_VERSION = 7;
    public static final String INPUT = "input";
    public static final String PROBABILITIES = "probabilities";
    public static final String VALUES = "values";
    static final String BATCH = "batch";

    private OnnxExport() {}

    /**
     * Writes {@code model} with {@code normalization} and {@code metadata} to {@code file}, atomically.
     *
     * @throws IllegalArgumentException also when {@code file} is a Gatun model file, which an export never replaces
     */
    public static void save(Path file, Model model, Normalization normalization, Map<String, String> metadata)
            throws IOException {
        if (file == null || model == null || normalization == null || metadata == null) {
            throw new IllegalArgumentException("ONNX export: file, model, normalization and metadata must not be null");
        }
        if (normalization.features() != model.inputs()) {
            throw new IllegalArgumentException("ONNX export: normalisation covers " + normalization.features()
                    + " features but the model takes " + model.inputs() + " inputs");
        }
        ModelMetadata.requireNamesFit("ONNX export", metadata, model.spec());
        // protobuf writes a lone surrogate as '?' and only logs it: the import would read other metadata back.
        KeyValues.requireUnicode(metadata);
        model.requireParametersAlive("ONNX export to " + file);
        FiniteTensors.require("ONNX export to " + file, model.tensorsByName());
        OnnxSupport.require("ONNX export to " + file);
        if (ModelFile.isModelFile(file)) {
            // `gatun export --onnx out.onnx model.gatun`, its two files swapped, replaced the model with its export.
            throw new IllegalArgumentException("ONNX export: " + file + " is a Gatun model file, which an export does"
                    + " not replace; write the ONNX file to another name");
        }
        AtomicReplace.write(file, ByteBuffer.wrap(OnnxWriter.toBytes(model, normalization, metadata)));
    }
}
