package dev.gatun.cli;

import dev.gatun.data.MnistDirectory;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Parameter;
import dev.gatun.serve.Predictor;
import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainCommandTest {
    @TempDir
    Path dir;

    private Path data() throws IOException {
        return LearnableData.write(dir.resolve("data"), 700, 300, 12, false);
    }

    private static String[] train(Path data, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--layers", "64,16,4",
                "--lr", "1e-2", "--batch", "32", "--dev", "100", "--seed", "3"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void trains_reports_test_accuracy_and_writes_a_model_checkpoint_and_plots() throws IOException {
        Path data = data();
        Path model = dir.resolve("m.gatun");
        Path plots = dir.resolve("plots");
        CommandRun run = gatun(train(data, "--epochs", "3", "--out", model.toString(), "--plots", plots.toString(), "--json"));
        assertEquals(0, run.exit(), run.out() + run.err());
        assertTrue(run.err().contains("epoch 3: train loss"), run.err());
        assertTrue(run.err().contains("dev error") && run.err().contains("dominates"), run.err());
        assertEquals(3, run.number("epochs"));
        assertTrue(run.number("samples_per_second") > 0);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> history = (List<Map<String, Object>>) MiniJson.object(run.json()).get("history");
        assertEquals(3, history.size(), run.lastLine());
        assertEquals(700 - 100, run.number("train_samples"), "the training split: 700 samples less 100 for dev");
        for (int e = 0; e < 3; e++) {
            assertEquals(e + 1.0, history.get(e).get("epoch"));
            assertTrue((Double) history.get(e).get("samples_per_second") > 0, history.get(e).toString());
            assertTrue((Double) history.get(e).get("seconds") > 0, history.get(e).toString());
        }
        assertEquals(run.number("samples_per_second"), (Double) history.get(2).get("samples_per_second"), 0.0,
                "the headline figure is the last epoch's");
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) MiniJson.object(run.json()).get("config");
        assertEquals(List.of(64.0, 16.0, 4.0), config.get("layers"), "typed values, not strings");
        assertEquals(0.01, config.get("lr"));
        assertEquals(Boolean.FALSE, config.get("batchnorm"));
        assertEquals(List.of(), config.get("dropout"));
        assertTrue(Files.exists(Path.of(model + ".checkpoint")));
        for (String png : List.of("loss-accuracy.png", "learning-rate.png", "confusion-matrix.png")) {
            assertTrue(Files.size(plots.resolve(png)) > 1000, png);
        }
        // The reported test accuracy, recounted independently from the written model file.
        int correct = 0;
        try (MnistDirectory d = LearnableData.load(data); Predictor predictor = Predictor.load(model)) {
            float[] pixels = new float[LearnableData.FEATURES];
            for (int i = 0; i < d.test().size(); i++) {
                var row = d.test().pixels(i);
                for (int k = 0; k < pixels.length; k++) {
                    pixels[k] = Byte.toUnsignedInt(row.get(ValueLayout.JAVA_BYTE, k));
                }
                correct += predictor.classify(pixels) == d.test().label(i) ? 1 : 0;
            }
            assertEquals((double) correct / d.test().size(), run.number("test_accuracy"), 1e-12);
        }
        assertTrue(run.number("test_accuracy") > 0.9, run.lastLine());
    }

    @Test
    void without_a_dev_split_every_training_sample_is_trained_on_and_counted() throws IOException {
        CommandRun run = gatun(train(data(), "--dev", "0", "--epochs", "1", "--json"));
        assertEquals(0, run.exit(), run.out() + run.err());
        assertEquals(700, run.number("train_samples"), run.lastLine());
        assertNull(MiniJson.object(run.json()).get("dev_accuracy"), "no dev set, no dev accuracy");
    }

    @Test
    void a_resumed_run_ends_with_the_same_weights_as_an_uninterrupted_one() throws IOException {
        Path data = data();
        Path straight = dir.resolve("straight.gatun");
        Path resumed = dir.resolve("resumed.gatun");
        Path checkpoint = dir.resolve("run.checkpoint");
        String[] options = {"--dropout", "0.9", "--batchnorm", "--l2", "0.01", "--early-stop", "5",
                "--decay", "exponential:0.9", "--decay-per", "step"};
        CommandRun full = gatun(train(data, concat(options, "--epochs", "4", "--out", straight.toString(), "--json")));
        assertEquals(0, full.exit(), full.out() + full.err());
        CommandRun first = gatun(train(data, concat(options, "--epochs", "2", "--checkpoint", checkpoint.toString())));
        assertEquals(0, first.exit(), first.out() + first.err());
        CommandRun rest = gatun("train", "--data", data.toString(), "--resume", checkpoint.toString(), "--epochs", "4",
                "--out", resumed.toString(), "--json");
        assertEquals(0, rest.exit(), rest.out() + rest.err());
        assertTrue(rest.err().contains("resuming " + checkpoint + " after epoch 2 of 4"), rest.err());
        assertEquals(full.number("test_accuracy"), rest.number("test_accuracy"), 0.0);
        assertEquals(full.number("dev_loss"), rest.number("dev_loss"), 0.0);
        try (Arena arena = Arena.ofConfined()) {
            List<Parameter> a = ModelIo.load(straight, arena).model().parameters();
            List<Parameter> b = ModelIo.load(resumed, arena).model().parameters();
            assertEquals(a.size(), b.size());
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i).value().toFloatArray(), b.get(i).value().toFloatArray(), 0f, a.get(i).name());
            }
        }
    }

    /**
     * A dense model's step sums its replicas' gradients in an order set by the thread count: a run trained with one
     * thread and resumed where the default is two, or the other way round, continues with its recorded count and
     * ends as the uninterrupted run. (With two, the trainer holds the library at one thread per replica during the
     * epoch's end, where the checkpoint is written: the run's own count must be the one recorded.)
     */
    @Test
    void a_resumed_run_takes_the_thread_count_it_was_trained_with() throws IOException {
        Path data = data();
        int defaultThreads = dev.gatun.blas.Blas.threads();
        try {
            for (int[] counts : new int[][] {{1, 2}, {2, 1}}) {
                int run = counts[0];
                int machine = counts[1];
                Path straight = dir.resolve("straight" + run + ".gatun");
                Path resumed = dir.resolve("resumed" + run + ".gatun");
                Path checkpoint = dir.resolve("run" + run + ".checkpoint");
                String[] common = {"train", "--data", data.toString(), "--layers", "64,16,4", "--lr", "1e-2", "--batch",
                    "64", "--dev", "100", "--seed", "3", "--threads", Integer.toString(run)};
                CommandRun full = gatun(concat(common, "--epochs", "3", "--out", straight.toString()));
                assertEquals(0, full.exit(), full.out() + full.err());
                CommandRun first = gatun(concat(common, "--epochs", "2", "--checkpoint", checkpoint.toString()));
                assertEquals(0, first.exit(), first.out() + first.err());
                dev.gatun.blas.Blas.setThreads(machine);   // this machine's default, say
                CommandRun rest = gatun("train", "--resume", checkpoint.toString(), "--epochs", "3", "--out",
                        resumed.toString());
                assertEquals(0, rest.exit(), rest.out() + rest.err());
                assertTrue(rest.out().contains("BLAS threads " + run), rest.out());
                try (Arena arena = Arena.ofConfined()) {
                    List<Parameter> a = ModelIo.load(straight, arena).model().parameters();
                    List<Parameter> b = ModelIo.load(resumed, arena).model().parameters();
                    for (int i = 0; i < a.size(); i++) {
                        assertArrayEquals(a.get(i).value().toFloatArray(), b.get(i).value().toFloatArray(), 0f,
                                run + " threads: " + a.get(i).name());
                    }
                }
            }
        } finally {
            dev.gatun.blas.Blas.setThreads(defaultThreads);
        }
    }

    @Test
    void bad_arguments_give_one_line_naming_the_problem() throws IOException {
        Path data = data();
        CommandRun wrongInputs = gatun("train", "--data", data.toString(), "--layers", "784,10", "--epochs", "1");
        assertEquals(1, wrongInputs.exit());
        assertTrue(wrongInputs.err().contains("784 inputs") && wrongInputs.err().contains("64 features"), wrongInputs.err());
        CommandRun badDecay = gatun(train(data, "--decay", "exponential"));
        assertEquals(Main.EXIT_USAGE, badDecay.exit(), "a malformed option value is a usage error");
        assertTrue(badDecay.err().contains("(see 'gatun train --help')"), badDecay.err());
        assertTrue(badDecay.err().contains("--decay 'exponential' is malformed"), badDecay.err());
        // Off-heap memory has no -Xmx: 2e9 units were allocated and the kernel killed the JVM while zeroing them.
        for (String layers : new String[] {"64,2000000000,4", "64,2147483647,2147483647,4"}) {
            CommandRun huge = gatun(train(data, "--layers", layers, "--epochs", "1"));
            assertEquals(Main.EXIT_USAGE, huge.exit(), huge.toString());
            assertTrue(huge.err().contains("--layers " + layers + " with --batch 32 needs at least")
                    && huge.err().contains("GB of memory to train, more than this machine's"), huge.err());
        }
        // --batch past the data is batch gradient descent: the estimate uses the rows a batch can hold.
        CommandRun batchGd = gatun(train(data, "--layers", "64,20000,4", "--batch", "2000000000", "--epochs", "1"));
        assertEquals(0, batchGd.exit(), batchGd.toString());
        CommandRun tinyKeep = gatun(train(data, "--dropout", "1e-5", "--epochs", "1"));
        assertEquals(Main.EXIT_USAGE, tinyKeep.exit(), tinyKeep.toString());
        assertTrue(tinyKeep.err().contains("--dropout keep probabilities must be in [6.103515625E-5, 1]"), tinyKeep.err());
        CommandRun badActivation = gatun(train(data, "--activation", "swish"));
        assertTrue(badActivation.err().contains("--activation 'swish' is not one of"), badActivation.err());
        CommandRun missing = gatun("train", "--data", dir.resolve("nowhere").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        Path model = dir.resolve("m.gatun");
        assertEquals(0, gatun(train(data, "--epochs", "1", "--out", model.toString())).exit());
        CommandRun notCheckpoint = gatun("train", "--data", data.toString(), "--resume", model.toString());
        assertEquals(1, notCheckpoint.exit());
        assertTrue(notCheckpoint.err().contains("is not a training checkpoint"), notCheckpoint.err());
        CommandRun exploding = gatun(train(data, "--optimizer", "sgd", "--lr", "1000", "--epochs", "2", "--json"));
        assertEquals(1, exploding.exit(), exploding.out());
        assertTrue(exploding.err().contains("training diverged at step"), exploding.err());
        assertTrue(exploding.lastLine().contains("\"outcome\":\"exploded\""), exploding.lastLine());
        // No test figures from exploded weights.
        assertTrue(exploding.lastLine().contains("\"test_accuracy\":null"), exploding.lastLine());
        // The advice: the rate, once it has moved the weights; at the first step the data's or the penalty's scale.
        CommandRun tooFast = gatun(train(data, "--optimizer", "sgd", "--lr", "1000", "--epochs", "2"));
        assertTrue(!tooFast.out().contains("diverged at step 1 ") && !tooFast.out().contains("at the first step")
                && tooFast.out().contains("\nlower --lr (or add decay); the last finished epoch"), tooFast.out());
        CommandRun penalty = gatun(train(data, "--l1", "1e38", "--epochs", "1"));
        assertEquals(1, penalty.exit(), penalty.toString());
        assertTrue(penalty.out().contains("stopped: training diverged at step 1") && penalty.out().contains("\nit"
                + " diverged at the first step: look at the scale of the features (--normalize), of regression targets"
                + " and of the penalty (--l2, --l1), or lower --lr if it is large;"), penalty.out());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
