package dev.gatun.cli;

import dev.gatun.io.ModelIo;
import dev.gatun.io.OnnxExport;
import dev.gatun.nn.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code gatun export --onnx MODEL OUT.onnx}: a saved model as a standard ONNX graph ({@link OnnxExport}), with its
 * normalisation as the first nodes and its metadata as ONNX metadata properties, for ONNX Runtime and other engines.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a saved model in another format: --onnx writes a standard ONNX graph (opset "
                + OnnxExport.OPSET + ": Gemm, BatchNormalization, Relu/Tanh/Sigmoid/LeakyRelu, Softmax; the stored "
                + "normalisation as the first nodes; the metadata as metadata properties).")
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--onnx", required = true, description = "Write ONNX (the one format there is so far).")
    boolean onnx;

    @Parameters(index = "0", paramLabel = "MODEL", description = "The Gatun model file.")
    Path modelFile;

    @Parameters(index = "1", paramLabel = "OUT", description = "The ONNX file to write (replaced atomically).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(out) && Files.exists(modelFile) && Files.isSameFile(out, modelFile)) {
            // The atomic replace would put the ONNX bytes where the only copy of the Gatun model was.
            throw new UsageException("OUT " + out + " is the model file itself: write the ONNX file elsewhere");
        }
        // A directory, or a place that cannot be written, named before the model is read.
        OutputPaths.checkFile("OUT", out, 0);
        try (Arena arena = Arena.ofConfined()) {
            ModelIo.LoadedModel loaded = ModelIo.load(modelFile, arena);
            try (Model model = loaded.model()) {
                OnnxExport.save(out, model, loaded.normalization(), loaded.metadata().asMap());
                System.out.printf("wrote %s (%,d bytes): ONNX opset %d, %s, input '%s' [batch, %d], output '%s' [batch, %d]%n",
                        out, Files.size(out), OnnxExport.OPSET, model.spec().widths(), OnnxExport.INPUT, model.inputs(),
                        model.loss().classification() ? OnnxExport.PROBABILITIES : OnnxExport.VALUES, model.outputs());
            }
        }
        return 0;
    }
}
