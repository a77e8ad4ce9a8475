package dev.gatun.io;

import dev.gatun.data.Normalization;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Mode;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.nn.NamedTensor;
import dev.gatun.nn.Parameter;
import dev.gatun.nn.Targets;
import dev.gatun.optim.Optimizer;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class ModelIoTest {
    @TempDir
    Path dir;

    static Model.Builder batchNormNet(long seed) {
        return Model.builder(6).dense(5, Activation.RELU).batchNorm().dense(4, Activation.TANH).dropout(0.8)
                .output(3, Loss.SOFTMAX_CROSS_ENTROPY).seed(seed);
    }

    static Normalization perFeature(int features, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] mean = new float[features];
        float[] std = new float[features];
        for (int j = 0; j < features; j++) {
            mean[j] = (float) random.nextGaussian();
            std[j] = 0.5f + (float) random.nextDouble();
        }
        return Normalization.of(Normalization.Mode.STANDARDIZE_PER_FEATURE, features, mean, std);
    }

    /** Trains a few steps so batch-norm running statistics and every parameter move away from their initial values. */
    static void trainALittle(Model model, Optimizer optimizer, Arena arena, int steps) {
        Tensor X = gaussian(arena, model.dtype(), 11, 8, model.inputs());
        int[] labels = new int[8];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % model.outputs();
        }
        Targets y = Targets.labels(arena, labels);
        for (int s = 0; s < steps; s++) {
            model.computeGradients(X, y);
            optimizer.step(model.parameters());
        }
    }

    static Tensor gaussian(Arena arena, DType dtype, long seed, long rows, long cols) {
        SplittableRandom random = new SplittableRandom(seed);
        Tensor t = Tensor.allocate(arena, dtype, rows, cols);
        for (long k = 0; k < t.size(); k++) {
            t.set(k, random.nextGaussian());
        }
        return t;
    }

    @Test
    void expectedLayoutIsTheOneModelBuildCreates() {
        List<ModelSpec> specs = List.of(batchNormNet(1).spec(),
                Model.builder(3).output(1, Loss.BINARY_CROSS_ENTROPY).spec(),
                Model.builder(4).dense(7, Activation.SIGMOID).dense(2, Activation.RELU).batchNorm()
                        .output(2, Loss.MSE).spec());
        try (Arena arena = Arena.ofConfined()) {
            for (ModelSpec spec : specs) {
                try (Model model = Model.build(spec, DType.F32, arena)) {
                    Map<String, long[]> built = new LinkedHashMap<>();
                    model.parameters().forEach(p -> built.put(p.name(), p.value().shape()));
                    model.state().forEach(s -> built.put(s.name(), s.tensor().shape()));
                    Map<String, long[]> expected = ModelIo.expectedTensors(spec);
                    assertEquals(List.copyOf(built.keySet()), List.copyOf(expected.keySet()));
                    built.forEach((name, shape) -> assertArrayEquals(shape, expected.get(name), name));
                }
            }
        }
    }

    @Test
    void roundTripGivesBitIdenticalInferenceWithBatchNorm() throws IOException {
        Path file = dir.resolve("m.gatun");
        Normalization norm = perFeature(6, 3);
        Map<String, String> meta = Map.of("test_accuracy", "0.875", "trained_by", "ModelIoTest");
        try (Arena arena = Arena.ofConfined(); Model model = batchNormNet(5).build(arena);
             Optimizer adam = Optimizer.adam(0.01)) {
            trainALittle(model, adam, arena, 3);
            ModelIo.save(file, model, norm, meta);
            Tensor X = gaussian(arena, DType.F32, 21, 9, 6);
            float[] before = model.forward(X, Mode.INFERENCE).toFloatArray();
            ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
            try (Model copy = loaded.model()) {
                assertEquals(model.spec(), copy.spec());
                assertEquals(DType.F32, copy.dtype());
                assertEquals(norm, loaded.normalization());
                Map<String, String> stored = new java.util.HashMap<>(loaded.metadata().asMap());
                assertEquals(dev.gatun.Gatun.version(), stored.remove(ModelMetadata.VERSION), "every file names its writer");
                java.time.Instant created = java.time.Instant.parse(stored.remove(ModelMetadata.CREATED));
                assertTrue(Math.abs(java.time.Duration.between(created, java.time.Instant.now()).toMinutes()) < 10, created.toString());
                assertEquals(meta, stored, "the caller's metadata as given");
                assertFalse(loaded.hasOptimizer());
                for (int i = 0; i < model.parameters().size(); i++) {
                    assertArrayEquals(model.parameters().get(i).value().toFloatArray(),
                            copy.parameters().get(i).value().toFloatArray(), model.parameters().get(i).name());
                }
                NamedTensor runningVar = model.state().get(1);
                assertNotEquals(1f, runningVar.tensor().toFloatArray()[0], "training moved the running variance");
                assertArrayEquals(runningVar.tensor().toFloatArray(), copy.state().get(1).tensor().toFloatArray());
                float[] after = copy.forward(X, Mode.INFERENCE).toFloatArray();
                assertArrayEquals(before, after, "bit-identical inference after load");
            }
        }
    }

    @Test
    void float64ModelComesBackAsFloat64RoundedToFloat32() throws IOException {
        Path file = dir.resolve("f64.gatun");
        try (Arena arena = Arena.ofConfined();
             Model model = batchNormNet(7).dtype(DType.F64).build(arena)) {
            ModelIo.save(file, model, Normalization.none(6), Map.of());
            try (Model copy = ModelIo.load(file, arena).model();
                 Model rounded = batchNormNet(7).dtype(DType.F64).build(arena)) {
                assertEquals(DType.F64, copy.dtype());
                for (Parameter p : rounded.parameters()) {
                    Tensor t = p.value();
                    for (long k = 0; k < t.size(); k++) {
                        t.set(k, (float) t.get(k));
                    }
                }
                Tensor X = gaussian(arena, DType.F64, 2, 4, 6);
                double[] expected = rounded.forward(X, Mode.INFERENCE).toDoubleArray();
                assertArrayEquals(expected, copy.forward(X, Mode.INFERENCE).toDoubleArray(), 0.0);
                assertNotEquals(model.parameters().get(0).value().get(0), copy.parameters().get(0).value().get(0),
                        "float64 weights lose their low bits in the float32 file");
            }
        }
    }

    @Test
    void optimizerStepAfterRestoreEqualsUninterruptedStep() throws IOException {
        for (Optimizer.Kind kind : Optimizer.Kind.values()) {
            Path file = dir.resolve("ckpt-" + kind + ".gatun");
            try (Arena arena = Arena.ofConfined(); Model model = batchNormNet(9).build(arena);
                 Optimizer optimizer = create(kind)) {
                trainALittle(model, optimizer, arena, 4);
                optimizer.setLearningRate(0.003);
                ModelIo.save(file, model, Normalization.none(6), Map.of("epoch", "1"), optimizer);
                trainALittle(model, optimizer, arena, 2);
                ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
                assertTrue(loaded.hasOptimizer());
                try (Model resumed = loaded.model(); Optimizer fresh = create(kind)) {
                    ModelIo.restoreOptimizer(file, resumed, fresh);
                    assertEquals(4, fresh.stepCount());
                    assertEquals(4, resumed.step());
                    assertEquals(0.003, fresh.learningRate());
                    trainALittle(resumed, fresh, arena, 2);
                    assertSameParameters(model, resumed, kind);
                    assertArrayEquals(model.state().get(0).tensor().toFloatArray(), resumed.state().get(0).tensor().toFloatArray());
                }
            }
        }
    }

    /** A checkpoint saved before the optimizer's first step (its state not made yet) restores to that zero state. */
    @Test
    void aCheckpointSavedBeforeTheFirstStepRestores() throws IOException {
        for (Optimizer.Kind kind : Optimizer.Kind.values()) {
            Path file = dir.resolve("ckpt0-" + kind + ".gatun");
            try (Arena arena = Arena.ofConfined(); Model model = batchNormNet(9).build(arena);
                 Optimizer optimizer = create(kind)) {
                ModelIo.save(file, model, Normalization.none(6), Map.of(), optimizer);
                ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
                try (Model resumed = loaded.model(); Optimizer fresh = create(kind)) {
                    ModelIo.restoreOptimizer(file, resumed, fresh);
                    assertEquals(0, fresh.stepCount());
                    trainALittle(model, optimizer, arena, 3);
                    trainALittle(resumed, fresh, arena, 3);
                    assertSameParameters(model, resumed, kind);
                }
            }
        }
    }

    /**
     * A model whose weights diverged is not saved, as a model or as a checkpoint: every loader refuses such a file, so
     * writing it would replace the good file with one nobody can use. Float64 models are checked too.
     */
    @Test
    void aModelWithANonFiniteWeightIsNotSavedAndTheFileBeforeItIsKept() throws IOException {
        for (DType dtype : DType.values()) {
            Path file = dir.resolve("diverged-" + dtype + ".gatun");
            try (Arena arena = Arena.ofConfined(); Model model = batchNormNet(9).dtype(dtype).build(arena);
                 Optimizer optimizer = create(Optimizer.Kind.ADAM)) {
                ModelIo.save(file, model, Normalization.none(6), Map.of());
                byte[] good = Files.readAllBytes(file);
                Tensor w = model.tensorsByName().get("W3");
                for (double bad : new double[] {Double.POSITIVE_INFINITY, Double.NaN, Double.NEGATIVE_INFINITY}) {
                    w.set(5, bad);
                    IllegalArgumentException saved = assertThrows(IllegalArgumentException.class,
                            () -> ModelIo.save(file, model, Normalization.none(6), Map.of()));
                    assertEquals("save: tensor W3 element 5 is " + bad + ", expected a finite value (the weights"
                            + " diverged); nothing was written", saved.getMessage());
                    IllegalArgumentException checkpoint = assertThrows(IllegalArgumentException.class,
                            () -> ModelIo.save(file, model, Normalization.none(6), Map.of(), optimizer));
                    assertEquals(saved.getMessage(), checkpoint.getMessage());
                    assertArrayEquals(good, Files.readAllBytes(file), "the good file was replaced");
                }
                if (dtype == DType.F64) {   // finite, but ±∞ as the file's float32
                    w.set(5, -1e39);
                    IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                            () -> ModelIo.save(file, model, Normalization.none(6), Map.of()));
                    assertEquals("save: tensor W3 element 5 is -1.0E39, beyond float32's range, which the file holds"
                            + " (the weights diverged); nothing was written", wide.getMessage());
                }
                w.set(5, -Float.MAX_VALUE);
                ModelIo.save(file, model, Normalization.none(6), Map.of());   // the largest float32 is a weight
                try (Model back = ModelIo.load(file, arena).model()) {
                    assertEquals(-Float.MAX_VALUE, back.tensorsByName().get("W3").get(5));
                }
            }
        }
    }

    /** Every parameter of {@code resumed} has {@code model}'s bits. */
    private static void assertSameParameters(Model model, Model resumed, Optimizer.Kind kind) {
        for (int i = 0; i < model.parameters().size(); i++) {
            assertArrayEquals(model.parameters().get(i).value().toFloatArray(),
                    resumed.parameters().get(i).value().toFloatArray(), kind + " " + model.parameters().get(i).name());
        }
    }

    private static Optimizer create(Optimizer.Kind kind) {
        return switch (kind) {
            case SGD -> Optimizer.sgd(0.05);
            case MOMENTUM -> Optimizer.momentum(0.05);
            case RMSPROP -> Optimizer.rmsprop(0.01);
            case ADAM -> Optimizer.adam(0.01);
        };
    }

    @Test
    void restoreOptimizerFailsClearly() throws IOException {
        Path plain = dir.resolve("plain.gatun");
        Path ckpt = dir.resolve("ckpt.gatun");
        try (Arena arena = Arena.ofConfined(); Model model = batchNormNet(9).build(arena);
             Optimizer adam = Optimizer.adam(0.01); Optimizer momentum = Optimizer.momentum(0.01);
             Optimizer otherBeta = Optimizer.adam(0.01, 0.8, 0.999, 1e-8)) {
            trainALittle(model, adam, arena, 1);
            ModelIo.save(plain, model, Normalization.none(6), Map.of());
            ModelIo.save(ckpt, model, Normalization.none(6), Map.of(), adam);
            ModelFormatException none = assertThrows(ModelFormatException.class,
                    () -> ModelIo.restoreOptimizer(plain, model, Optimizer.adam(0.01)));
            assertTrue(none.getMessage().contains("OPTM") && none.getMessage().contains(plain.toString()), none.getMessage());
            IllegalArgumentException kind = assertThrows(IllegalArgumentException.class,
                    () -> ModelIo.restoreOptimizer(ckpt, model, momentum));
            assertTrue(kind.getMessage().contains("ADAM") && kind.getMessage().contains("Momentum"), kind.getMessage());
            IllegalArgumentException beta = assertThrows(IllegalArgumentException.class,
                    () -> ModelIo.restoreOptimizer(ckpt, model, otherBeta));
            assertTrue(beta.getMessage().contains("beta1"), beta.getMessage());
            // A step count edited past any run's overflowed into a negative step at the first update.
            Map<String, String> hyper = new LinkedHashMap<>(KeyValues.decode(ckpt, "OPTM",
                    ModelFile.require(ckpt, ModelFile.read(ckpt), "OPTM").payload()));
            for (String key : List.of("step_count", "model_step")) {
                Map<String, String> edited = new LinkedHashMap<>(hyper);
                edited.put(key, Long.toString(Long.MAX_VALUE));
                replace(ckpt, "OPTM", KeyValues.encode(edited));
                ModelFormatException steps = assertThrows(ModelFormatException.class,
                        () -> ModelIo.restoreOptimizer(ckpt, model, Optimizer.adam(0.01)));
                assertTrue(steps.getMessage().endsWith("field '" + key + "': 9223372036854775807 steps is more than"
                        + " any run takes (at most 2^53)"), steps.getMessage());
            }
        }
    }

    /** Rewrites the file with one section's payload replaced (valid container, CRCs recomputed). */
    private static void replace(Path file, String tag, byte[] payload) throws IOException {
        List<Section> sections = new ArrayList<>(ModelFile.read(file));
        sections.replaceAll(s -> s.tag().equals(tag) ? new Section(tag, payload) : s);
        ModelFile.write(file, sections);
    }

    private static void drop(Path file, String tag) throws IOException {
        List<Section> sections = new ArrayList<>(ModelFile.read(file));
        sections.removeIf(s -> s.tag().equals(tag));
        ModelFile.write(file, sections);
    }

    private Path validFile(Arena arena, String name) throws IOException {
        Path file = dir.resolve(name);
        try (Model model = batchNormNet(5).build(arena)) {
            ModelIo.save(file, model, perFeature(6, 1), Map.of("k", "v"));
        }
        return file;
    }

    private static String loadError(Path file, Arena arena) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelIo.load(file, arena));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void everyCorruptionClassIsRejectedWithItsReason() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            for (String tag : List.of("ARCH", "META", "NORM", "TENS")) {
                Path f = validFile(arena, "missing-" + tag);
                drop(f, tag);
                assertTrue(loadError(f, arena).contains("section " + tag + " is missing"));
            }
            Path optOnly = validFile(arena, "opts-only");
            List<Section> s = new ArrayList<>(ModelFile.read(optOnly));
            s.add(new Section("OPTS", new byte[4]));
            ModelFile.write(optOnly, s);
            assertTrue(loadError(optOnly, arena).contains("only OPTS"));

            Path unknown = validFile(arena, "unknown");
            s = new ArrayList<>(ModelFile.read(unknown));
            s.add(new Section("XTRA", new byte[0]));
            ModelFile.write(unknown, s);
            assertTrue(loadError(unknown, arena).contains("unknown section XTRA"));

            try (Arena scratch = Arena.ofConfined(); Model model = batchNormNet(5).build(scratch)) {
                Map<String, Tensor> tensors = new LinkedHashMap<>();
                model.parameters().forEach(p -> tensors.put(p.name(), p.value()));
                model.state().forEach(t -> tensors.put(t.name(), t.tensor()));

                Path wrongShape = validFile(arena, "shape");
                Map<String, Tensor> bad = new LinkedHashMap<>(tensors);
                bad.put("W2", Tensor.allocate(scratch, DType.F32, 4, 6));
                replace(wrongShape, "TENS", TensorTable.encode(bad));
                String msg = loadError(wrongShape, arena);
                assertTrue(msg.contains("W2") && msg.contains("(4, 6)") && msg.contains("(4, 5)"), msg);

                Path missing = validFile(arena, "count");
                bad = new LinkedHashMap<>(tensors);
                bad.remove("running_var1");
                replace(missing, "TENS", TensorTable.encode(bad));
                msg = loadError(missing, arena);
                assertTrue(msg.contains("running_var1") && msg.contains("missing"), msg);

                Path extra = validFile(arena, "extra");
                bad = new LinkedHashMap<>(tensors);
                bad.put("b9", Tensor.allocate(scratch, DType.F32, 3));
                replace(extra, "TENS", TensorTable.encode(bad));
                msg = loadError(extra, arena);
                assertTrue(msg.contains("b9") && msg.contains("not part of this architecture"), msg);

                // The file's names and values are quoted cleaned and cut: one line, whatever the file holds.
                Path forged = validFile(arena, "forged");
                bad = new LinkedHashMap<>(tensors);
                bad.put("b9\u202E\nERROR all is lost", Tensor.allocate(scratch, DType.F32, 3));   // a bidi override too
                replace(forged, "TENS", TensorTable.encode(bad));
                msg = loadError(forged, arena);
                assertTrue(msg.contains("'b9??ERROR all is lost' is not part") && !msg.contains("\n"), msg);

                Path nan = validFile(arena, "nan");
                bad = new LinkedHashMap<>(tensors);
                Tensor w = Tensor.allocate(scratch, DType.F32, 5, 6);
                w.set(7, Float.NaN);
                bad.put("W1", w);
                replace(nan, "TENS", TensorTable.encode(bad));
                msg = loadError(nan, arena);
                assertTrue(msg.contains("W1 element 7 is NaN"), msg);
            }

            Path features = validFile(arena, "features");
            Map<String, String> arch = new LinkedHashMap<>(KeyValues.decode(features, "ARCH",
                    ModelFile.require(features, ModelFile.read(features), "ARCH").payload()));
            Path hugeField = validFile(arena, "huge-field");
            Map<String, String> hugeArch = new LinkedHashMap<>(KeyValues.decode(hugeField, "ARCH",
                    ModelFile.require(hugeField, ModelFile.read(hugeField), "ARCH").payload()));
            hugeArch.put("dtype", "F".repeat(1_000_000));
            replace(hugeField, "ARCH", KeyValues.encode(hugeArch));
            String huge = loadError(hugeField, arena);
            assertTrue(huge.contains("field 'dtype': 'FFFF") && huge.contains("...' is not one of")
                    && huge.length() < 1_000, huge.length() + " characters: " + huge.substring(0, Math.min(300, huge.length())));

            arch.put("normalization.features", "7");
            replace(features, "ARCH", KeyValues.encode(arch));
            String msg = loadError(features, arena);
            assertTrue(msg.contains("7 features") && msg.contains("6 inputs"), msg);

            // Two billion inputs with one global mean and std: refused for its missing weights before a
            // normalisation of two billion features is built (16 GB of heap, refused as "out of heap" if tried).
            Path wide = validFile(arena, "wide");
            Map<String, String> wideArch = new LinkedHashMap<>(arch);
            wideArch.put("inputs", "2000000000");
            wideArch.put("normalization.features", "2000000000");
            wideArch.put("normalization", "NONE");
            replace(wide, "ARCH", KeyValues.encode(wideArch));
            try (Arena scratch = Arena.ofConfined()) {
                Tensor zero = Tensor.allocate(scratch, DType.F32, 1);
                Tensor one = Tensor.allocate(scratch, DType.F32, 1);
                one.set(0, 1f);
                replace(wide, "NORM", TensorTable.encode(Map.of("mean", zero, "std", one)));
            }
            msg = loadError(wide, arena);
            assertTrue(msg.contains("section TENS: tensor W1") && msg.contains("2000000000"), msg);

            Path layers = validFile(arena, "layers");
            arch.put("normalization.features", "6");
            arch.put("hidden", "5:RELU:1.0:bn,4:NOPE:0.8:-");
            replace(layers, "ARCH", KeyValues.encode(arch));
            msg = loadError(layers, arena);
            assertTrue(msg.contains("ARCH") && msg.contains("NOPE"), msg);

            // Class and feature names that do not fit the model: a service's names.get(classify(x)) would throw.
            Path classes = validFile(arena, "classes");
            replace(classes, "META", KeyValues.encode(Map.of("classes", "cat\tdog")));
            msg = loadError(classes, arena);
            assertTrue(msg.contains("section META: 'classes' names 2 classes but the model predicts 3"), msg);
            Path featureNames = validFile(arena, "feature-names");
            replace(featureNames, "META", KeyValues.encode(Map.of("feature_names", "a\tb\tc")));
            msg = loadError(featureNames, arena);
            assertTrue(msg.contains("'feature_names' names 3 features but the model takes 6"), msg);
            try (Model model = batchNormNet(5).build(arena)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelIo.save(
                        dir.resolve("refused"), model, perFeature(6, 1), Map.of("classes", "cat\tdog")));
                assertEquals("save: metadata 'classes' names 2 classes but the model predicts 3", e.getMessage());
                ModelIo.save(dir.resolve("fits"), model, perFeature(6, 1), Map.of("classes", "cat\tdog\teel"));
            }

            Path dtype = validFile(arena, "dtype");
            arch.put("hidden", "5:RELU:1.0:bn,4:TANH:0.8:-");
            arch.put("dtype", "F16");
            replace(dtype, "ARCH", KeyValues.encode(arch));
            assertTrue(loadError(dtype, arena).contains("'dtype': 'F16'"));
        }
    }

    /**
     * Random byte mutations of a valid file, half with the section checksums recomputed so that the decoders behind
     * the CRC see the damage too: load may only ever succeed or throw the documented exception.
     */
    @Test
    void fuzzedFilesOnlyEverFailWithModelFormatException() throws IOException {
        final int TRIALS = 10_000; // corrupted files per run: enough to hit every section and field
        try (Arena arena = Arena.ofConfined()) {
            Path valid = validFile(arena, "valid");
            byte[] original = Files.readAllBytes(valid);
            SplittableRandom random = new SplittableRandom(2024);
            Path target = dir.resolve("fuzz.gatun");
            int loadedAnyway = 0;
            for (int trial = 0; trial < TRIALS; trial++) {
                byte[] bytes = original.clone();
                int flips = 1 + random.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    int at = random.nextInt(bytes.length);
                    bytes[at] = random.nextBoolean() ? (byte) random.nextInt(256) : (byte) (bytes[at] ^ (1 << random.nextInt(8)));
                }
                if (random.nextInt(10) == 0) {
                    bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
                }
                if (random.nextBoolean()) {
                    fixChecksums(bytes);
                }
                Files.write(target, bytes);
                try (Arena attempt = Arena.ofConfined()) {
                    ModelIo.load(target, attempt).model().close();
                    loadedAnyway++;
                } catch (ModelFormatException expected) {
                    assertTrue(expected.getMessage().startsWith(target.toString()), expected.getMessage());
                }
            }
            assertTrue(loadedAnyway < TRIALS / 2, "most mutations must be caught: " + loadedAnyway + " of " + TRIALS + " loaded");
        }
    }

    /** Recomputes each section's CRC in place, walking the lengths as they now read; stops where they stop making sense. */
    private static void fixChecksums(byte[] bytes) {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int position = ModelFile.HEADER_BYTES;
        while (position + ModelFile.SECTION_OVERHEAD <= bytes.length) {
            long length = in.getLong(position + 4);
            if (length < 0 || length > bytes.length - position - ModelFile.SECTION_OVERHEAD) {
                return;
            }
            int end = position + 12 + (int) length;
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(bytes, position, end - position);
            in.putInt(end, (int) crc.getValue());
            position = end + 4;
        }
    }
}
