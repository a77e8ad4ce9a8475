package dev.gatun.tune;

import dev.gatun.data.DataSet;
import dev.gatun.data.MnistDirectory;
import dev.gatun.data.Normalization;
import dev.gatun.data.Table;
import dev.gatun.activation.Activation;
import dev.gatun.nn.Init;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.optim.Optimizer;
import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomSearchTest {
    @TempDir
    static Path dir;

    private static MnistDirectory data;
    private static DataSet.Split split;

    @BeforeAll
    static void data() throws IOException {
        data = LearnableData.load(LearnableData.write(dir, 500, 10, 4, false));
        split = data.train().split(100, 7);
    }

    @AfterAll
    static void close() {
        data.close();
    }

    private static ModelSpec network() {
        return Model.builder(LearnableData.FEATURES).dense(16, Activation.RELU)
                .output(LearnableData.CLASSES, Loss.SOFTMAX_CROSS_ENTROPY).init(Init.HE).seed(2).spec();
    }

    private static RandomSearch.Builder search() {
        return RandomSearch.builder(network(), split.train(), split.dev()).trials(6, 4).fineAround(2, 0.1).epochs(1)
                .batchSize(32).seed(11).blasThreads(1);
    }

    /**
     * A listener that throws at the second finished trial: by then the first trial's thread has started the third.
     * run() must not throw while that trial trains on in the background, over data and a BLAS thread count the caller
     * owns again: the trial is stopped and its thread gone first.
     */
    @Test
    void aFailedSearchLeavesNoTrialTraining() {
        int blasBefore = dev.gatun.blas.Blas.threads();
        RandomSearch search = RandomSearch.builder(network(), split.train(), split.dev()).trials(4, 0).epochs(40)
                .batchSize(16).seed(11).blasThreads(1).parallel(2).listener((trial, done, total) -> {
                    if (done == 2) {
                        throw new IllegalStateException("listener failed at the second trial");
                    }
                }).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, search::run);
        assertEquals("listener failed at the second trial", e.getMessage());
        List<String> left = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("gatun-tune")).toList();
        assertEquals(List.of(), left, "trial threads still alive when run() threw");
        assertEquals(blasBefore, dev.gatun.blas.Blas.threads());
    }

    /** Interrupting the caller ends the search the same way: its trials stopped and their threads gone first. */
    @Test
    void anInterruptedSearchLeavesNoTrialTraining() throws Exception {
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        RandomSearch search = RandomSearch.builder(network(), split.train(), split.dev()).trials(4, 0).epochs(200)
                .batchSize(16).seed(11).blasThreads(1).parallel(2).listener((trial, done, total) -> { }).build();
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Thread caller = new Thread(() -> {
            started.countDown();
            try {
                search.run();
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "search-caller");
        caller.start();
        started.await();
        Thread.sleep(300);   // the two first trials are stepping
        caller.interrupt();
        caller.join(120_000);
        assertFalse(caller.isAlive());
        assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
        List<String> left = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("gatun-tune")).toList();
        assertEquals(List.of(), left, "trial threads still alive when run() threw");
    }

    /** Float features are left as they are by default, as the trainer leaves them: 1/255 was for pixels only. */
    @Test
    void theDefaultNormalisationIsTheTrainers() {
        assertEquals(Normalization.Mode.SCALE_TO_UNIT,
                RandomSearch.builder(network(), split.train(), split.dev()).build().normalization().mode(), "pixels");
        try (Table table = LearnableData.floatTable(60)) {
            assertEquals(Normalization.Mode.NONE, RandomSearch.builder(network(), table.dataSet(),
                    table.dataSet()).build().normalization().mode(), "float features");
        }
    }

    @Test
    void draws_are_uniform_in_log10_so_every_decade_gets_its_share() {
        SearchSpace space = new SearchSpace(new LogRange(-4, -1), new LogRange(-5, -1), new LogRange(-3, -1));
        int n = 30_000;
        int[] lrDecades = new int[3];
        int[] betaDecades = new int[2];
        double l2LogSum = 0;
        for (int i = 0; i < n; i++) {
            Hyperparameters h = space.sample(i * 0x9E3779B97F4A7C15L);
            assertTrue(h.learningRate() >= 1e-4 && h.learningRate() <= 1e-1, h.toString());
            assertTrue(h.lambda() >= 1e-5 && h.lambda() <= 1e-1, h.toString());
            assertTrue(h.beta() >= 0.9 && h.beta() <= 0.999, h.toString());
            assertEquals(Math.pow(10, h.lrLog()), h.learningRate(), 1e-15);
            assertEquals(1 - Math.pow(10, h.betaLog()), h.beta(), 1e-15);
            lrDecades[(int) Math.min(2, Math.floor(Math.log10(h.learningRate()) + 4))]++;
            betaDecades[h.beta() < 0.99 ? 0 : 1]++;
            l2LogSum += Math.log10(h.lambda());
        }
        // Uniform in log10: each decade of the learning rate ~1/3 (a linear draw would give 0.9% / 9% / 90%),
        // 0.9..0.99 and 0.99..0.999 ~1/2 each for beta, mean log10(lambda) ~ -3; 5 standard errors of slack.
        for (int count : lrDecades) {
            assertEquals(1.0 / 3, count / (double) n, 5 * Math.sqrt(2.0 / 9 / n), Arrays.toString(lrDecades));
        }
        for (int count : betaDecades) {
            assertEquals(0.5, count / (double) n, 5 * Math.sqrt(0.25 / n), Arrays.toString(betaDecades));
        }
        assertEquals(-3, l2LogSum / n, 5 * (4 / Math.sqrt(12)) / Math.sqrt(n));
        // The draw depends on the seed alone.
        assertEquals(space.sample(42), space.sample(42));
        assertNotEquals(space.sample(42), space.sample(43));
    }

    @Test
    void the_fine_ranges_lie_inside_the_coarse_ones_around_the_best_coarse_trials() {
        SearchResult result = search().build().run();
        List<Trial> coarse = result.trials().stream().filter(t -> t.phase() == Trial.Phase.COARSE).toList();
        List<Trial> fine = result.trials().stream().filter(t -> t.phase() == Trial.Phase.FINE).toList();
        assertEquals(6, coarse.size());
        assertEquals(4, fine.size());
        coarse.forEach(t -> assertTrue(result.coarse().contains(t.hyperparameters()), t.toString()));
        fine.forEach(t -> assertTrue(result.fine().contains(t.hyperparameters()), t.toString()));

        List<Trial> top = coarse.stream().sorted(Trial.BEST_FIRST).filter(Trial::finished).limit(2).toList();
        assertEquals(2, top.size(), coarse.toString());
        assertInside(result.coarse().learningRate(), result.fine().learningRate(),
                top.stream().map(t -> t.hyperparameters().lrLog()).toList());
        assertInside(result.coarse().lambda(), result.fine().lambda(),
                top.stream().map(t -> t.hyperparameters().l2Log()).toList());
        assertInside(result.coarse().beta(), result.fine().beta(),
                top.stream().map(t -> t.hyperparameters().betaLog()).toList());

        // Ranked best first by dev accuracy; the best is the first finished trial.
        List<Trial> ranked = result.ranked();
        for (int i = 1; i < ranked.size(); i++) {
            assertTrue(Trial.BEST_FIRST.compare(ranked.get(i - 1), ranked.get(i)) <= 0);
            assertTrue(!ranked.get(i).finished() || ranked.get(i - 1).devAccuracy() >= ranked.get(i).devAccuracy());
        }
        assertEquals(ranked.getFirst(), result.best().orElseThrow());
        assertTrue(result.best().orElseThrow().devAccuracy() >= 0.9, "the task is learnable: " + ranked.getFirst());
    }

    /** The fine range spans the top trials' values, padded by 10% of the coarse width, clipped to the coarse range. */
    private static void assertInside(LogRange coarse, LogRange fine, List<Double> topValues) {
        assertTrue(fine.low() >= coarse.low() && fine.high() <= coarse.high(), fine + " inside " + coarse);
        double min = Collections.min(topValues);
        double max = Collections.max(topValues);
        double pad = 0.1 * coarse.width();
        assertEquals(Math.max(coarse.low(), min - pad), fine.low(), 1e-12, fine + " around " + topValues);
        assertEquals(Math.min(coarse.high(), max + pad), fine.high(), 1e-12, fine + " around " + topValues);
        assertTrue(fine.width() < coarse.width(), fine + " narrower than " + coarse);
    }

    @Test
    void the_same_seed_gives_the_same_trials_in_parallel_or_one_at_a_time() {
        List<Trial> sequential = search().parallel(1).build().run().trials();
        List<String> heard = new ArrayList<>();
        List<Trial> parallel = search().parallel(3)
                .listener((trial, done, total) -> heard.add(trial.phase() + " " + trial.index())).build().run().trials();
        assertEquals(10, heard.size(), "the listener hears every trial once: " + heard);
        assertEquals(10, heard.stream().distinct().count(), heard.toString());
        assertEquals(sequential.size(), parallel.size());
        for (int i = 0; i < sequential.size(); i++) {
            assertEquals(withoutTime(sequential.get(i)), withoutTime(parallel.get(i)), "trial " + i);
        }
        List<Trial> otherSeed = search().seed(12).build().run().trials();
        assertNotEquals(sequential.getFirst().hyperparameters(), otherSeed.getFirst().hyperparameters());
    }

    @Test
    void a_built_search_keeps_its_configuration_when_the_builder_changes_afterwards() {
        RandomSearch.Builder builder = search().optimizer(Optimizer.Kind.SGD).trials(2, 1).epochs(1)
                .learningRateRange(new LogRange(-3, -2));
        RandomSearch search = builder.build();
        builder.optimizer(Optimizer.Kind.ADAM).trials(5, 0).epochs(2).learningRateRange(new LogRange(-1, 0));
        List<String> heard = new ArrayList<>();
        builder.listener((trial, done, total) -> heard.add("the later listener"));
        SearchResult result = search.run();
        assertEquals(3, result.trials().size(), "2 coarse and 1 fine trial, as built");
        assertEquals(new LogRange(-3, -2), result.coarse().learningRate());
        assertFalse(result.coarse().hasBeta(), "SGD as built: no beta range");
        result.trials().forEach(t -> {
            assertEquals(1, t.epochs(), t.toString());
            assertTrue(t.learningRate() >= 1e-3 && t.learningRate() <= 1e-2, t.toString());
        });
        assertTrue(heard.isEmpty(), "the listener set after build() hears nothing");
    }

    private static Trial withoutTime(Trial t) {
        return new Trial(t.phase(), t.index(), t.seed(), t.hyperparameters(), t.outcome(), t.epochs(), t.trainLoss(),
                t.trainAccuracy(), t.devLoss(), t.devAccuracy(), 0, t.note());
    }

    @Test
    void sgd_draws_no_beta_and_bad_options_are_named() {
        SearchResult result = search().optimizer(Optimizer.Kind.SGD).trials(2, 0).build().run();
        assertFalse(result.coarse().hasBeta());
        result.trials().forEach(t -> assertTrue(Double.isNaN(t.beta()), t.toString()));
        assertEquals(2, result.trials().size());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogRange.parse("--lr-range", "-1,-4"));
        assertTrue(e.getMessage().contains("--lr-range") && e.getMessage().contains("'-1,-4'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LogRange.parse("--lr-range", "x"));
        assertEquals(new LogRange(-4, -1), LogRange.parse("--lr-range", " -4, -1"));
        assertThrows(IllegalArgumentException.class, () -> search().betaRange(new LogRange(-2, 0)).build());
        // 1 - 10^-17 is 1 in double: each such draw would stop its trial with "beta1 must be in [0, 1)".
        e = assertThrows(IllegalArgumentException.class, () -> search().betaRange(new LogRange(-17, -15)).build());
        assertTrue(e.getMessage().contains("rounds to beta = 1") && e.getMessage().contains("above about -16.2"), e.getMessage());
        search().betaRange(new LogRange(-15.5, -15)).build();   // 1 - 10^-15.5 < 1: accepted
        // No beta range for a rule that draws one: it failed the first trial with "beta1 ... got NaN".
        e = assertThrows(IllegalArgumentException.class, () -> search().betaRange(null).build());
        assertEquals("betaRange is null, but ADAM draws its beta from it; give a range, or search with SGD",
                e.getMessage());
        search().optimizer(Optimizer.Kind.SGD).betaRange(null).build();
        // Draws past float32 would fail (Infinity) or learn nothing (0) in the one trial that made them, late.
        e = assertThrows(IllegalArgumentException.class, () -> search().lambdaRange(new LogRange(-5, 39)).build());
        assertTrue(e.getMessage().contains("lambda") && e.getMessage().contains("[-37.92, 38.53]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> search().learningRateRange(new LogRange(-50, -46)).build());
        assertTrue(e.getMessage().contains("learning rate"), e.getMessage());
        search().learningRateRange(new LogRange(-37.9, 38.5)).build();   // every draw a normal float32: accepted
        assertThrows(IllegalArgumentException.class, () -> search().parallel(0).build());
        ModelSpec wrong = Model.builder(10).output(4, Loss.SOFTMAX_CROSS_ENTROPY).spec();
        e = assertThrows(IllegalArgumentException.class,
                () -> RandomSearch.builder(wrong, split.train(), split.dev()).build());
        assertTrue(e.getMessage().contains("64 features") && e.getMessage().contains("10 inputs"), e.getMessage());
        // Each trial is the spec with the L2 λ drawn for it: an L1 penalty of the spec's own would vanish unseen.
        ModelSpec withL1 = Model.builder(LearnableData.FEATURES).dense(16, Activation.RELU)
                .output(LearnableData.CLASSES, Loss.SOFTMAX_CROSS_ENTROPY).l1(1e-3).seed(2).spec();
        e = assertThrows(IllegalArgumentException.class,
                () -> RandomSearch.builder(withL1, split.train(), split.dev()).build());
        assertTrue(e.getMessage().contains("no regularization of its own") && e.getMessage().contains("L1"),
                e.getMessage());
    }
}
