package dev.gatun.configurations;

import dev.gatun.data.Batch;
import dev.gatun.data.Batches;
import dev.gatun.data.DataSet;
import dev.gatun.data.IdxFile;
import dev.gatun.data.Normalization;
import dev.gatun.io.ModelIo;
import dev.gatun.activation.Activation;
import dev.gatun.kernels.KernelProvider;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Mode;
import dev.gatun.nn.Model;
import dev.gatun.nn.Targets;
import dev.gatun.optim.Optimizer;
import dev.gatun.serve.Predictor;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import dev.gatun.train.GradientCheck;
import dev.gatun.train.GradientCheckReport;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The slice of the library every JVM configuration must run: a batch load ({@link Batches#next}), Adam training
 * steps, the gradient check (float64), a model save and load, and predictions through {@link Predictor}. Throws on
 * any failure; {@link #main} prints {@code kernels=<provider>} last, for {@link KernelConfigurationsTest}'s child JVMs.
 */
public final class KernelSwitchSlice {
    private static final int SIDE = 5;
    private static final int FEATURES = SIDE * SIDE;
    private static final int CLASSES = 3;
    private static final int SAMPLES = 48;

    private KernelSwitchSlice() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("gatun-slice");
        run(dir);
        System.out.println("kernels=" + KernelProvider.selected().name());
    }

    /** Runs the slice in {@code dir}; throws {@link AssertionError} where a result is wrong. */
    public static void run(Path dir) throws IOException {
        SplittableRandom random = new SplittableRandom(11);
        Path images = dir.resolve("images.idx");
        Path labels = dir.resolve("labels.idx");
        byte[] pixels = new byte[SAMPLES * FEATURES];
        byte[] classes = new byte[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            classes[i] = (byte) (i % CLASSES);
            for (int k = 0; k < FEATURES; k++) {
                // Each class lights its own band of pixels, plus noise: something a small network learns in a few steps.
                boolean lit = k % CLASSES == classes[i];
                pixels[i * FEATURES + k] = (byte) ((lit ? 160 : 20) + random.nextInt(60));
            }
        }
        writeIdx(images, new int[] {SAMPLES, SIDE, SIDE}, pixels);
        writeIdx(labels, new int[] {SAMPLES}, classes);

        Path modelFile = dir.resolve("slice.gatun");
        try (IdxFile imageFile = IdxFile.open(images); IdxFile labelFile = IdxFile.open(labels);
             Arena arena = Arena.ofConfined()) {
            DataSet data = DataSet.of("slice", imageFile, labelFile, CLASSES);
            Normalization normalization = Normalization.scaleToUnit(FEATURES);
            try (Batches batches = Batches.over(data, 16).normalization(normalization).seed(3).build();
                 Model model = Model.builder(FEATURES).dense(8, Activation.TANH).output(CLASSES, Loss.SOFTMAX_CROSS_ENTROPY)
                         .seed(5).build(arena)) {
                Batch batch = batches.next();
                check(batch.size() == 16 && batch.X().rows() == 16 && batch.X().cols() == FEATURES,
                        "Batches.next gave " + batch);
                check(Math.abs(batch.X().get(0) - (data.pixels(batch.sample(0)).getAtIndex(
                        java.lang.foreign.ValueLayout.JAVA_BYTE, 0) & 0xFF) / 255.0) < 1e-6, "batch row 0 is not x/255");
                Targets y = new Targets.Labels(batch.labels());
                Optimizer adam = Optimizer.adam(0.05);
                double before = model.cost(batch.X(), y, Mode.TRAIN);
                for (int step = 0; step < 10; step++) {
                    model.computeGradients(batch.X(), y);
                    adam.step(model.parameters());
                }
                double after = model.cost(batch.X(), y, Mode.TRAIN);
                check(after < before, "ten Adam steps did not lower the cost: " + before + " -> " + after);

                ModelIo.save(modelFile, model, normalization, Map.of("slice", "yes"));
                try (Arena loadArena = Arena.ofConfined()) {
                    ModelIo.LoadedModel loaded = ModelIo.load(modelFile, loadArena);
                    double again = loaded.model().cost(batch.X(), y, Mode.TRAIN);
                    check(again == after, "the loaded model's cost " + again + " differs from the saved one's " + after);
                    loaded.model().close();
                }

                float[] row = new float[FEATURES];
                float[] out = new float[CLASSES];
                try (Predictor predictor = Predictor.load(modelFile)) {
                    Tensor probabilities = model.forward(batch.X(), Mode.INFERENCE);
                    for (int r = 0; r < 4; r++) {
                        int sample = batch.sample(r);
                        for (int k = 0; k < FEATURES; k++) {
                            row[k] = data.pixels(sample).getAtIndex(java.lang.foreign.ValueLayout.JAVA_BYTE, k) & 0xFF;
                        }
                        predictor.predict(row, out);
                        for (int c = 0; c < CLASSES; c++) {
                            check(Math.abs(out[c] - probabilities.get(r, c)) < 1e-5, "Predictor row " + r + " class " + c
                                    + ": " + out[c] + " vs the model's " + probabilities.get(r, c));
                        }
                    }
                }
            }
        }

        try (Arena arena = Arena.ofConfined();
             Model model = Model.builder(4).dense(5, Activation.SIGMOID).output(CLASSES, Loss.SOFTMAX_CROSS_ENTROPY)
                     .seed(7).dtype(DType.F64).build(arena)) {
            Tensor X = Tensor.allocate(arena, DType.F64, 6, 4);
            for (long k = 0; k < X.size(); k++) {
                X.set(k, random.nextGaussian());
            }
            GradientCheckReport report = GradientCheck.check(model, X, Targets.labels(arena, 0, 1, 2, 0, 1, 2));
            check(report.passed(), "gradient check: " + report);
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

    /** An IDX file of unsigned bytes: magic 0x08 and the rank, the dimensions big-endian, then the bytes. */
    private static void writeIdx(Path file, int[] dims, byte[] values) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file); DataOutputStream out = new DataOutputStream(raw)) {
            out.writeInt(0x0800 | dims.length);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(values);
        }
    }
}
