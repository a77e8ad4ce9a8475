package dev.gatun.spark.train;

import dev.gatun.activation.Activation;
import dev.gatun.data.DataSet;
import dev.gatun.data.Normalization;
import dev.gatun.data.Table;
import dev.gatun.io.ModelIo;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.nn.ModelSpec;
import dev.gatun.optim.LearningRateSchedule;
import dev.gatun.optim.Optimizer;
import dev.gatun.serve.Predictor;
import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import dev.gatun.train.Trainer;
import dev.gatun.train.TrainingResult;
import dev.gatun.spark.TestFrames;
import dev.gatun.spark.TestModels;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Distributed training in local[2]: the result does not depend on the number of replicas (with batch norm,
 * dropout, L1 and decay too), one replica takes exactly the steps single-process training takes, and it learns.
 */
class DistributedTrainerTest {
    private static final int FEATURES = 12;
    private static final int CLASSES = 3;
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = dev.gatun.spark.TestSessions.local(2);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static TrainingPlan plan(int epochs, int batch) {
        var spec = Model.builder(FEATURES).dense(16, Activation.TANH).output(CLASSES, Loss.SOFTMAX_CROSS_ENTROPY)
                .l2(1e-3).seed(3).spec();
        return new TrainingPlan(spec.toMap(), OptimizerSettings.of("adam", 0.01), null, epochs, batch, 7,
                Normalization.Mode.STANDARDIZE_PER_FEATURE, null, null, 0, 30_000);
    }

    /**
     * No job of a fit sends the driver anything per row: the rows' hashes and ids stay on the executors (two 8-byte
     * hashes a row once came back, 3.2 MB for these 200,000 rows), whether the replicas train on the input's own
     * partitions (ranked through two shuffles) or on hash ranges (ranked from counts). The tasks' results (summaries,
     * the replicas' reports, Spark's own metrics) come to well under 2 bytes a row. Both ways rank the rows alike, so
     * they train on the same batches (their losses agree to summation order, where other batches parted by 2e-4 when
     * tried); and a fit leaves nothing cached behind.
     */
    @Test
    void theDriverGetsNothingPerRow() throws Exception {
        int rows = 200_000;
        org.apache.spark.sql.Column[] values = new org.apache.spark.sql.Column[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            values[j] = org.apache.spark.sql.functions.rand(j);
        }
        Dataset<Row> frame = spark.range(0, rows, 1, 2).select(
                org.apache.spark.ml.functions.array_to_vector(org.apache.spark.sql.functions.array(values)).as("features"),
                org.apache.spark.sql.functions.col("id").mod(CLASSES).cast("double").as("label")).cache();
        assertEquals(rows, frame.count());
        int cached = spark.sparkContext().getPersistentRDDs().size();
        double[] losses = null;
        for (Dataset<Row> input : List.of(frame, frame.repartition(3))) {
            TaskSizes sizes = new TaskSizes();
            spark.sparkContext().addSparkListener(sizes);
            TrainingOutcome outcome;
            try {
                outcome = DistributedTrainer.fit(input, new Columns("features", "label"), plan(2, 4096), 2);
            } finally {
                spark.sparkContext().listenerBus().waitUntilEmpty();
                spark.sparkContext().removeSparkListener(sizes);
            }
            System.out.println("theDriverGetsNothingPerRow: " + input.rdd().getNumPartitions() + " input partitions, "
                    + sizes.tasks.get() + " tasks, " + sizes.results.get() + " bytes of task results in all");
            assertTrue(sizes.tasks.get() > 0);
            assertTrue(sizes.results.get() < 2L * rows, sizes.results.get() + " bytes of task results for " + rows + " rows");
            assertEquals(cached, spark.sparkContext().getPersistentRDDs().size(), "RDDs left cached by the fit");
            if (losses == null) {
                losses = outcome.epochLosses();
            } else {
                // The same batches; only the replicas' shares of each, hence the order of the gradient's sums, differ.
                for (int e = 0; e < losses.length; e++) {
                    assertEquals(losses[e], outcome.epochLosses()[e], 1e-6 * losses[e], "epoch " + (e + 1)
                            + ": own partitions against hash ranges");
                }
            }
        }
        frame.unpersist();
    }

    /** What a listener hears of every task: how many ended, and the bytes of the results they sent the driver. */
    private static final class TaskSizes extends org.apache.spark.scheduler.SparkListener {
        final java.util.concurrent.atomic.AtomicLong tasks = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong results = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd event) {
            tasks.incrementAndGet();
            if (event.taskMetrics() != null) {
                results.addAndGet(event.taskMetrics().resultSize());
            }
        }
    }

    @Test
    void oneAndTwoReplicasGiveTheSameLossesAndTheModelLearns() throws Exception {
        List<Row> rows = TestFrames.teacherRows(700, FEATURES, CLASSES, 11);
        // The input in three partitions: P=1 and P=2 both spread it over hash ranges; the ids come from its content.
        Dataset<Row> frame = TestFrames.frame(spark, rows, 3).cache();
        TrainingPlan plan = plan(4, 64);   // 700 rows: 10 full batches and one of 60
        TrainingOutcome one = DistributedTrainer.fit(frame, new Columns("features", "label"), plan, 1);
        TrainingOutcome two = DistributedTrainer.fit(frame, new Columns("features", "label"), plan, 2);

        assertEquals(4, one.epochLosses().length);
        for (int e = 0; e < 4; e++) {
            double a = one.epochLosses()[e];
            double b = two.epochLosses()[e];
            assertEquals(a, b, 1e-4 * Math.abs(a), "epoch " + (e + 1) + " loss with 1 and 2 replicas");
        }
        assertTrue(one.epochLosses()[3] < 0.6 * one.epochLosses()[0],
                "the loss falls: " + java.util.Arrays.toString(one.epochLosses()));
        assertEquals(0, one.allReduceBytesPerStep(), "one replica sends nothing");
        // 2(P-1)/P of the buffer: every parameter (12·16 + 16 + 16·3 + 3 = 259 floats) and the loss.
        assertEquals(260 * Float.BYTES, two.allReduceBytesPerStep());

        Path file = dir.resolve("model.gatun");
        Files.write(file, two.modelFile());
        try (Predictor predictor = Predictor.load(file)) {
            int correct = 0;
            float[] x = new float[FEATURES];
            for (Row row : rows) {
                double[] values = ((Vector) row.get(0)).toArray();
                for (int j = 0; j < FEATURES; j++) {
                    x[j] = (float) values[j];
                }
                correct += predictor.classify(x) == (int) row.getDouble(1) ? 1 : 0;
            }
            assertTrue(correct > 0.85 * rows.size(), "training accuracy " + correct + "/" + rows.size());
        }
    }

    /**
     * A run resumed on changed data (every feature doubled) keeps the normalisation its checkpoint was trained with:
     * fitted again, it would feed the resumed epochs inputs scaled differently from those the weights learned on.
     */
    @Test
    void aResumedRunKeepsItsCheckpointsNormalisation() throws Exception {
        List<Row> rows = TestFrames.teacherRows(200, FEATURES, CLASSES, 5);
        Dataset<Row> frame = TestFrames.frame(spark, rows, 2);
        byte[][] afterEpochOne = new byte[1][];
        DistributedTrainer.fit(frame, new Columns("features", "label"), plan(1, 50), 2,
                epoch -> afterEpochOne[0] = epoch.modelFile());
        Normalization trained = normalizationOf(afterEpochOne[0]);

        List<Row> doubled = rows.stream().map(r -> org.apache.spark.sql.RowFactory.create(
                Vectors.dense(Arrays.stream(((Vector) r.get(0)).toArray()).map(v -> 2 * v).toArray()), r.get(1))).toList();
        TrainingOutcome resumed = DistributedTrainer.fit(TestFrames.frame(spark, doubled, 2),
                new Columns("features", "label"), plan(2, 50), 2, epoch -> {},
                new dev.gatun.train.ClusterTraining.Start(1, afterEpochOne[0]));
        Normalization kept = normalizationOf(resumed.modelFile());
        assertArrayEquals(trained.mean(), kept.mean());
        assertArrayEquals(trained.std(), kept.std());
    }

    private Normalization normalizationOf(byte[] modelFile) throws Exception {
        Path file = Files.write(Files.createTempFile(dir, "model", ".gatun"), modelFile);
        try (Arena arena = Arena.ofConfined()) {
            ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
            loaded.model().close();
            return loaded.normalization();
        }
    }

    /**
     * Inputs that already have the replicas' partition count but a lineage Spark refuses to run as a barrier stage
     * (its RDDs within the stage of other partition counts: coalesce, union) go through the shuffle, and train as the
     * same rows in any other partitioning do; run directly, Spark refuses the stage on every attempt.
     */
    @Test
    void coalescedAndUnitedInputsTrainAsAnyOtherPartitioning() {
        List<Row> rows = TestFrames.teacherRows(200, FEATURES, CLASSES, 5);
        TrainingPlan plan = plan(2, 32);
        Columns columns = new Columns("features", "label");
        Dataset<Row> plain = TestFrames.frame(spark, rows, 3);
        Dataset<Row> coalesced = slices(rows, 4).coalesce(2);
        Dataset<Row> united = slices(rows.subList(0, 120), 1).union(slices(rows.subList(120, 200), 1));
        assertEquals(2, coalesced.rdd().getNumPartitions());
        assertEquals(2, united.rdd().getNumPartitions());
        assertTrue(!BarrierSlots.oneNarrowChain(coalesced.select("features", "label").toJavaRDD().rdd(), 2));
        assertTrue(!BarrierSlots.oneNarrowChain(united.select("features", "label").toJavaRDD().rdd(), 2));
        assertTrue(BarrierSlots.oneNarrowChain(plain.select("features", "label").toJavaRDD().rdd(), 3));
        double[] expected = DistributedTrainer.fit(plain, columns, plan, 2).epochLosses();
        assertArrayEquals(expected, DistributedTrainer.fit(coalesced, columns, plan, 2).epochLosses(), 0.0);
        assertArrayEquals(expected, DistributedTrainer.fit(united, columns, plan, 2).epochLosses(), 0.0);
    }

    /**
     * An input with the replicas' partition count in one narrow stage whose partition 1 a filter emptied trains over
     * hash ranges, as the same rows in any other partitioning; it was refused ("partition 1 of 2 holds no rows").
     */
    @Test
    void aPartitionEmptiedByAFilterIsSpreadOverHashRangesNotRefused() {
        List<Row> rows = TestFrames.teacherRows(160, FEATURES, CLASSES, 6);
        TrainingPlan plan = plan(2, 32);
        Columns columns = new Columns("features", "label");
        var jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
        org.apache.spark.api.java.JavaRDD<Row> firstHalfOnly = jsc.parallelize(rows, 2).mapPartitionsWithIndex(
                (index, partition) -> index == 0 ? partition : java.util.Collections.emptyIterator(), true);
        Dataset<Row> emptied = spark.createDataFrame(firstHalfOnly, TestFrames.schema());
        assertTrue(BarrierSlots.oneNarrowChain(emptied.select("features", "label").toJavaRDD().rdd(), 2));
        double[] expected = DistributedTrainer.fit(TestFrames.frame(spark, rows.subList(0, 80), 3), columns, plan, 2)
                .epochLosses();
        assertArrayEquals(expected, DistributedTrainer.fit(emptied, columns, plan, 2).epochLosses(), 0.0);
    }

    /** The rows in {@code n} partitions read straight from the driver's list: no shuffle, one narrow stage. */
    private static Dataset<Row> slices(List<Row> rows, int n) {
        var jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
        return spark.createDataFrame(jsc.parallelize(rows, n), TestFrames.schema());
    }

    /**
     * The driver's listener may take longer than the ring's timeout between epochs (gatun train evaluates the whole
     * training and dev sets and writes a checkpoint there): replica 0 waits for its answer, and the others for replica
     * 0, past that timeout; with the ring's timeout both would give up, and every retry meet the same listener.
     */
    @Test
    void aListenerSlowerThanTheRingTimeoutDoesNotFailTheRun() {
        List<Row> rows = TestFrames.teacherRows(200, FEATURES, CLASSES, 5);
        TrainingPlan base = plan(3, 32);
        TrainingPlan impatient = new TrainingPlan(base.spec(), base.optimizer(), base.schedule(), base.epochs(),
                base.batchSize(), base.shuffleSeed(), base.normalization(), null, null, 0, 1_000);
        Dataset<Row> frame = TestFrames.frame(spark, rows, 2);
        Columns columns = new Columns("features", "label");
        java.util.concurrent.atomic.AtomicInteger heard = new java.util.concurrent.atomic.AtomicInteger();
        TrainingOutcome slow = DistributedTrainer.fit(frame, columns, impatient, 2, epoch -> {
            heard.incrementAndGet();
            Thread.sleep(2_500);   // 2.5 ring timeouts
        });
        assertEquals(3, heard.get(), "each epoch heard once: no attempt failed and started again");
        assertArrayEquals(DistributedTrainer.fit(frame, columns, base, 2).epochLosses(), slow.epochLosses(), 0.0);
    }

    /** A data set of at least P rows leaves no partition of its frame empty (9 rows in 4 made an empty one). */
    @Test
    void aSmallDataSetFillsEveryPartitionOfItsFrame() {
        for (int n : new int[] {4, 9, 13, 4100}) {
            float[][] x = new float[n][FEATURES];
            int[] labels = new int[n];
            try (Table table = Table.ofLabels("small", x, labels, CLASSES)) {
                List<Integer> sizes = DataSetFrame.of(spark, table.dataSet(), 4).javaRDD().glom().map(List::size).collect();
                assertEquals(4, sizes.size());
                assertEquals(n, sizes.stream().mapToInt(Integer::intValue).sum());
                assertTrue(sizes.stream().allMatch(size -> size > 0), n + " rows in partitions of " + sizes);
            }
        }
    }

    /**
     * A frame's rows reach the executors as broadcasts, not inside its tasks: no partition anywhere in its lineage
     * (what each task carries) and no RDD of it (what the task binary carries, with the functions) serialises to more
     * than a few KB, where the rows are 2.4 MB of float32, and each row still arrives exactly once.
     */
    @Test
    void aFramesTasksCarryNoRows() throws Exception {
        int n = 50_000;
        float[][] x = new float[n][FEATURES];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            x[i][i % FEATURES] = i;
            labels[i] = i % CLASSES;
        }
        try (Table table = Table.ofLabels("large", x, labels, CLASSES)) {
            Dataset<Row> frame = DataSetFrame.of(spark, table.dataSet(), 2);
            java.util.ArrayDeque<org.apache.spark.rdd.RDD<?>> lineage = new java.util.ArrayDeque<>();
            lineage.add(frame.javaRDD().rdd());
            int largest = 0;
            while (!lineage.isEmpty()) {
                org.apache.spark.rdd.RDD<?> rdd = lineage.poll();
                List<Object> shipped = new java.util.ArrayList<>(Arrays.asList((Object[]) rdd.partitions()));
                shipped.add(rdd);
                for (Object part : shipped) {
                    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
                        out.writeObject(part);
                    }
                    largest = Math.max(largest, bytes.size());
                }
                for (org.apache.spark.Dependency<?> d : scala.jdk.javaapi.CollectionConverters.asJava(rdd.dependencies())) {
                    lineage.add(d.rdd());
                }
            }
            assertTrue(largest < 64 * 1024, "a partition or RDD of the frame's lineage serialises to " + largest
                    + " bytes");
            // Row i holds i in one feature: the values that arrive, sorted, are 0 .. n-1, each once.
            List<Double> values = frame.javaRDD().map(r -> Arrays.stream(((Vector) r.get(0)).toArray()).sum()).collect();
            double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            assertEquals(n, sorted.length);
            for (int i = 0; i < n; i++) {
                assertEquals(i, sorted[i], 0.0, "row " + i + " arrives once");
            }
        }
    }

    @Test
    void taskSlotsAreCountedAsTheBarrierCheckCountsThemAndDynamicAllocationIsRefused() {
        assertEquals(2, DistributedTrainer.taskSlots(spark), "local[2] runs two tasks at once");
        org.apache.spark.SparkConf dynamic = new org.apache.spark.SparkConf()
                .set("spark.dynamicAllocation.enabled", "true");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BarrierSlots.requireNoDynamicAllocation(dynamic));
        assertTrue(e.getMessage().contains("set it to false"), e.getMessage());
        BarrierSlots.requireNoDynamicAllocation(new org.apache.spark.SparkConf());
        // What a starting cluster's settings promise, for the wait on its executors.
        assertEquals(0, BarrierSlots.promised(new org.apache.spark.SparkConf()));
        assertEquals(6, BarrierSlots.promised(new org.apache.spark.SparkConf().set("spark.executor.instances", "3")
                .set("spark.executor.cores", "4").set("spark.task.cpus", "2")));
        assertEquals(8, BarrierSlots.promised(new org.apache.spark.SparkConf().set("spark.cores.max", "8")));
    }

    /** 12-16-8-3 with batch norm on both hidden layers, dropout on the first, L1. */
    private static ModelSpec everything(double keep) {
        Model.Builder b = Model.builder(FEATURES).dense(16, Activation.RELU).batchNorm();
        if (keep < 1) {
            b.dropout(keep);
        }
        return b.dense(8, Activation.TANH).batchNorm().output(CLASSES, Loss.SOFTMAX_CROSS_ENTROPY).l1(1e-3).seed(3)
                .spec();
    }

    @Test
    void withBatchNormDropoutL1AndDecayOneAndTwoReplicasGiveTheSameLosses() throws Exception {
        // 642 rows in batches of 4: a batch's four rows all sit on one of two replicas in one step of eight or so,
        // so the other replica, holding none of them, still joins batch norm's sums.
        List<Row> rows = TestFrames.teacherRows(642, FEATURES, CLASSES, 12);
        Dataset<Row> frame = TestFrames.frame(spark, rows, 3).cache();
        TrainingPlan plan = new TrainingPlan(everything(0.8).toMap(), OptimizerSettings.of("adam", 0.01),
                LearningRateSchedule.parse(0.01, "inverse-time:0.01", true), 4, 4, 7,
                Normalization.Mode.STANDARDIZE_PER_FEATURE, null, null, 0, 30_000);
        TrainingOutcome one = DistributedTrainer.fit(frame, new Columns("features", "label"), plan, 1);
        TrainingOutcome two = DistributedTrainer.fit(frame, new Columns("features", "label"), plan, 2);
        for (int e = 0; e < 4; e++) {
            double a = one.epochLosses()[e];
            double b = two.epochLosses()[e];
            assertEquals(a, b, 1e-4 * Math.abs(a), "epoch " + (e + 1) + " loss with 1 and 2 replicas: "
                    + Arrays.toString(one.epochLosses()) + " and " + Arrays.toString(two.epochLosses()));
        }
        assertTrue(one.epochLosses()[3] < 0.8 * one.epochLosses()[0], "the loss falls: " + Arrays.toString(one.epochLosses()));
        // The gradients (12·16 + 2·16 + 16·8 + 2·8 + 8·3 + 3 = 395 floats) and the loss, plus batch norm's sums:
        // 16 + 16 and 8 + 8 forward, 2·16 and 2·8 backward; with P = 2 each replica sends all of it once.
        assertEquals((396 + 96) * Float.BYTES, two.allReduceBytesPerStep());

        Path file = dir.resolve("model.gatun");
        Files.write(file, two.modelFile());
        try (Predictor predictor = Predictor.load(file)) {
            int correct = 0;
            for (Row row : rows) {
                correct += predictor.classify(floats((Vector) row.get(0))) == (int) row.getDouble(1) ? 1 : 0;
            }
            assertTrue(correct > 0.8 * rows.size(), "training accuracy " + correct + "/" + rows.size());
        }
    }

    /**
     * The batch order, the split step and synchronized batch norm reduce, for one replica, to single-process
     * training: the same initial weights, batches, statistics, penalty and rates give the same weights, bit for bit.
     * (Dropout is left out: a replica keys its masks by global row id, single-process training by position in the
     * batch, so the two draw different masks by design.)
     */
    @ParameterizedTest(name = "{0} rows")
    @ValueSource(ints = {641, 700})
    void oneReplicaTakesExactlyTheStepsSingleProcessTrainingTakes(int n) throws Exception {
        // 641 rows in batches of 64: with batch norm both leave out each epoch's last batch, of one row. 700: a last
        // batch of 60, whose cost counts for its 60 rows in the epoch's loss, not as a full batch's.
        List<Row> rows = TestFrames.teacherRows(n, FEATURES, CLASSES, 13);
        float[][] given = new float[rows.size()][];
        long[] hi = new long[rows.size()];
        long[] lo = new long[rows.size()];
        RowHash hash = new RowHash();
        for (int i = 0; i < rows.size(); i++) {
            given[i] = floats((Vector) rows.get(i).get(0));
            double[] asTrained = new double[FEATURES];   // the float32 values the frame below holds
            for (int j = 0; j < FEATURES; j++) {
                asTrained[j] = given[i][j];
            }
            hash.hash(Vectors.dense(asTrained), rows.get(i).getDouble(1));
            hi[i] = hash.hi;
            lo[i] = hash.lo;
        }
        // A row's global id is its rank by content hash: single-process training on the rows in that order sees the
        // same batches as the replica.
        int[] byId = RowHash.sortedOrder(hi, lo, rows.size());
        float[][] x = new float[rows.size()][];
        int[] labels = new int[rows.size()];
        for (int id = 0; id < byId.length; id++) {
            x[id] = given[byId[id]];
            labels[id] = (int) rows.get(byId[id]).getDouble(1);
        }
        ModelSpec spec = everything(1);
        LearningRateSchedule schedule = LearningRateSchedule.parse(0.01, "exponential:0.8", false);
        TrainingPlan plan = new TrainingPlan(spec.toMap(), OptimizerSettings.of("adam", 0.01), schedule, 3, 64, 7,
                Normalization.Mode.NONE, null, null, 0, 30_000);
        try (Table table = Table.ofLabels("teacher", x, labels, CLASSES); Arena arena = Arena.ofConfined()) {
            DataSet data = table.dataSet();
            TrainingOutcome spark1 = DistributedTrainer.fit(DataSetFrame.of(spark, data, 1),
                    new Columns("features", "label"), plan, 1);
            try (Model single = Model.build(spec, DType.F32, arena); Optimizer adam = plan.optimizer().create();
                 Trainer trainer = Trainer.builder(single, adam, data).batchSize(64).epochs(3).seed(7)
                         .schedule(schedule).normalization(Normalization.none(FEATURES)).build()) {
                assertTrainedAsOneProcess(spark1, trainer.run(), single, arena);
            }
        }
    }

    /** The replica's epoch losses (to 1e-6) and weights (bit for bit) are single-process training's. */
    private void assertTrainedAsOneProcess(TrainingOutcome replica, TrainingResult single, Model singleModel,
                                           Arena arena) throws Exception {
        for (int e = 0; e < replica.epochLosses().length; e++) {
            double expected = single.history().epochs().get(e).trainLoss();
            assertEquals(expected, replica.epochLosses()[e], 1e-6 * expected, "epoch " + (e + 1) + " loss");
        }
        Path file = Files.createTempFile(dir, "replica", ".gatun");
        Files.write(file, replica.modelFile());
        ModelIo.LoadedModel loaded = ModelIo.load(file, arena);
        try (Model trained = loaded.model()) {
            Map<String, Tensor> tensors = trained.tensorsByName();
            singleModel.tensorsByName().forEach((name, tensor) -> assertEquals(-1,
                    tensor.segment().mismatch(tensors.get(name).segment()), name + " differs"));
        }
    }

    /**
     * A regression of one output (mean squared error; the label column holds the target): one replica takes exactly
     * the steps single-process training takes on the rows in global-id order, bit for bit, and two replicas give the
     * same losses to summation order.
     */
    @Test
    void aRegressionTrainsAsOneProcessDoesOnOneReplicaAndAlikeOnTwo() throws Exception {
        java.util.SplittableRandom random = new java.util.SplittableRandom(21);
        int n = 700;
        float[][] given = new float[n][FEATURES];
        float[] y = new float[n];
        long[] hi = new long[n];
        long[] lo = new long[n];
        RowHash hash = new RowHash();
        for (int i = 0; i < n; i++) {
            double[] asTrained = new double[FEATURES];
            double target = 0;
            for (int j = 0; j < FEATURES; j++) {
                given[i][j] = (float) random.nextGaussian();
                asTrained[j] = given[i][j];
                target += (j % 3 - 1) * given[i][j];
            }
            y[i] = (float) (Math.sin(target) + 0.1 * random.nextGaussian());
            hash.hash(Vectors.dense(asTrained), y[i]);
            hi[i] = hash.hi;
            lo[i] = hash.lo;
        }
        int[] byId = RowHash.sortedOrder(hi, lo, n);
        float[][] x = new float[n][];
        float[][] targets = new float[n][];
        for (int id = 0; id < n; id++) {
            x[id] = given[byId[id]];
            targets[id] = new float[] {y[byId[id]]};
        }
        ModelSpec spec = Model.builder(FEATURES).dense(16, Activation.TANH).output(1, Loss.MSE).l2(1e-3).seed(5).spec();
        TrainingPlan plan = new TrainingPlan(spec.toMap(), OptimizerSettings.of("adam", 0.01), null, 4, 64, 7,
                Normalization.Mode.NONE, null, null, 0, 30_000);
        assertTrue(plan.regression());
        try (Table table = Table.ofTargets("sine", x, targets); Arena arena = Arena.ofConfined()) {
            DataSet data = table.dataSet();
            Columns columns = new Columns("features", "label");
            TrainingOutcome one = DistributedTrainer.fit(DataSetFrame.of(spark, data, 1), columns, plan, 1);
            TrainingOutcome two = DistributedTrainer.fit(DataSetFrame.of(spark, data, 2), columns, plan, 2);
            // Three input partitions for two replicas: spread over hash ranges, each row hashed with its target again.
            TrainingOutcome ranges = DistributedTrainer.fit(DataSetFrame.of(spark, data, 3), columns, plan, 2);
            try (Model single = Model.build(spec, DType.F32, arena); Optimizer adam = plan.optimizer().create();
                 Trainer trainer = Trainer.builder(single, adam, data).batchSize(64).epochs(4).seed(7)
                         .normalization(Normalization.none(FEATURES)).build()) {
                assertTrainedAsOneProcess(one, trainer.run(), single, arena);
                for (int e = 0; e < 4; e++) {
                    double expected = one.epochLosses()[e];
                    assertEquals(expected, two.epochLosses()[e], 1e-5 * expected, "epoch " + (e + 1) + ", two replicas");
                    assertEquals(expected, ranges.epochLosses()[e], 1e-5 * expected, "epoch " + (e + 1) + ", hash ranges");
                }
                assertTrue(one.epochLosses()[3] < 0.7 * one.epochLosses()[0],
                        "the loss falls: " + java.util.Arrays.toString(one.epochLosses()));
            }
        }
    }

    /**
     * A run whose loss stops being finite fails by name, for every caller (here without a listener, as the Spark ML
     * estimators fit), and its replicas stop at the step that diverged, not at the epoch's end: the rate decays per
     * step, and the one the failure names is the step's where the cost first was not finite (step 1 of 7 here: the
     * squared errors of targets of 1e30 overflow float at once; the epoch's last step would give 0.588).
     */
    @Test
    void aDivergedRunFailsAtTheStepForEveryCaller() {
        String message = divergedFit(1.0, 3, 29, 1e30);
        assertTrue(message.startsWith("training diverged in epoch 1 (learning rate 0.909): its training loss is"),
                message);
        assertTrue(message.endsWith("; lower the learning rate (or add decay)"), message);
    }

    /**
     * An update that leaves a weight that is not finite stops the replicas at that step, as one process stops, though
     * the step's cost was finite: at a rate of 3e38 and targets of about 100 the first step's weights overflow
     * float (step 1, rate 2.73e+38), where waiting for the next cost would stop at step 2 (2.50e+38).
     */
    @Test
    void anUpdateThatOverflowsTheWeightsStopsAtItsStep() {
        String message = divergedFit(3e38, 2, 31, 100);
        assertTrue(message.startsWith("training diverged in epoch 1 (learning rate 2.73e+38): its training loss is"),
                message);
    }

    /**
     * The failure of a 2-replica fit, {@code epochs} epochs of SGD from {@code rate} decaying per step
     * ({@code rate / (1 + 0.1·step)}), of a one-output regression on 224 rows of Gaussian features whose targets are
     * Gaussian times {@code scale} (7 steps of 32 rows an epoch).
     */
    private static String divergedFit(double rate, int epochs, long seed, double scale) {
        ModelSpec spec = Model.builder(FEATURES).dense(8, Activation.TANH).output(1, Loss.MSE).seed(5).spec();
        LearningRateSchedule perStep = LearningRateSchedule.parse(rate, "inverse-time:0.1", true);
        TrainingPlan plan = new TrainingPlan(spec.toMap(), OptimizerSettings.of("sgd", rate), perStep, epochs, 32, 7,
                Normalization.Mode.NONE, null, null, 0, 30_000);
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        List<Row> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 224; i++) {
            double[] x = new double[FEATURES];
            for (int j = 0; j < FEATURES; j++) {
                x[j] = random.nextGaussian();
            }
            rows.add(org.apache.spark.sql.RowFactory.create(Vectors.dense(x), scale * random.nextGaussian()));
        }
        return assertThrows(IllegalStateException.class, () -> DistributedTrainer.fit(
                spark.createDataFrame(rows, TestFrames.schema()), new Columns("features", "label"), plan, 2))
                .getMessage();
    }

    /** A label that is no target, and a plan Spark cannot train, are refused by name. */
    @Test
    void aRegressionRefusesNonFiniteTargetsAndMoreThanOneOutput() throws Exception {
        ModelSpec spec = Model.builder(FEATURES).dense(8, Activation.TANH).output(1, Loss.MSE).seed(5).spec();
        TrainingPlan plan = new TrainingPlan(spec.toMap(), OptimizerSettings.of("adam", 0.01), null, 1, 16, 7,
                Normalization.Mode.NONE, null, null, 0, 30_000);
        List<Row> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            rows.add(org.apache.spark.sql.RowFactory.create(Vectors.dense(new double[FEATURES]), i == 17 ? Double.NaN : 0.5 * i));
        }
        String message = assertThrows(IllegalArgumentException.class, () -> DistributedTrainer.fit(
                spark.createDataFrame(rows, TestFrames.schema()), new Columns("features", "label"), plan, 2)).getMessage();
        assertEquals("row 17: label NaN in column 'label' is not finite; a regression's targets must be finite", message);
        ModelSpec two = Model.builder(FEATURES).dense(8, Activation.TANH).output(2, Loss.MSE).seed(5).spec();
        message = assertThrows(IllegalArgumentException.class, () -> new TrainingPlan(two.toMap(),
                OptimizerSettings.of("adam", 0.01), null, 1, 16, 7, Normalization.Mode.NONE, null, null, 0, 30_000))
                .getMessage();
        assertTrue(message.contains("regressions of one output") && message.contains("MSE with 2 outputs"), message);
        try (Table table = Table.ofTargets("two", new float[][] {{1, 2}, {3, 4}}, new float[][] {{1, 2}, {3, 4}})) {
            message = assertThrows(IllegalArgumentException.class, () -> DataSetFrame.of(spark, table.dataSet(), 1))
                    .getMessage();
            assertEquals("data set two holds 2 regression targets a row: Gatun on Spark trains regressions of one"
                    + " output", message);
        }
    }

    /** With batch norm a last batch of one row is left out, as in one process; data of one row is refused. */
    @Test
    void batchNormLeavesOutALastBatchOfOneRow() {
        TrainingPlan withBatchNorm = new TrainingPlan(everything(1).toMap(), OptimizerSettings.of("adam", 0.01), null,
                1, 64, 7, Normalization.Mode.NONE, null, null, 0, 30_000);
        TrainingPlan without = new TrainingPlan(Model.builder(FEATURES).dense(8, Activation.RELU)
                .output(CLASSES, Loss.SOFTMAX_CROSS_ENTROPY).spec().toMap(), OptimizerSettings.of("adam", 0.01), null,
                1, 64, 7, Normalization.Mode.NONE, null, null, 0, 30_000);
        assertEquals(10, withBatchNorm.stepsPerEpoch(640));
        assertEquals(10, withBatchNorm.stepsPerEpoch(641));
        assertEquals(11, withBatchNorm.stepsPerEpoch(642));
        assertEquals(11, without.stepsPerEpoch(641));
        assertEquals(1, withBatchNorm.stepsPerEpoch(2));
        IllegalArgumentException oneRow = assertThrows(IllegalArgumentException.class,
                () -> withBatchNorm.withData(Normalization.none(FEATURES), 1));
        assertEquals("batch norm needs at least 2 rows per global batch to estimate a variance, got 1 row of data",
                oneRow.getMessage());
    }

    private static float[] floats(Vector vector) {
        double[] values = vector.toArray();
        float[] out = new float[values.length];
        for (int j = 0; j < values.length; j++) {
            out[j] = (float) values[j];
        }
        return out;
    }

    /**
     * A replica's task killed in local[2] once epoch 1 of 3 was reported: the fit runs the stage again from the
     * state after the last epoch reported and ends with the undisturbed run's losses and weights, bit for bit, with
     * batch norm, dropout, L1 and a per-step decay.
     */
    @Test
    void aKilledReplicaIsTrainedAgainFromTheLastEpochAndEndsAsTheUndisturbedRun() throws Exception {
        Dataset<Row> frame = TestFrames.frame(spark, TestFrames.teacherRows(700, FEATURES, CLASSES, 12), 2).cache();
        // Batch norm's running averages, dropout's step-keyed masks and the per-step rate all resume with the state.
        TrainingPlan plan = new TrainingPlan(everything(0.8).toMap(), OptimizerSettings.of("adam", 0.01),
                LearningRateSchedule.parse(0.01, "inverse-time:0.01", true), 3, 16, 7,
                Normalization.Mode.STANDARDIZE_PER_FEATURE, null, null, 0, 30_000);
        TrainingOutcome clean = DistributedTrainer.fit(frame, new Columns("features", "label"), plan, 2);
        RunningTasks tasks = new RunningTasks();
        spark.sparkContext().addSparkListener(tasks);
        try {
            TrainingOutcome retried = DistributedTrainer.fit(frame, new Columns("features", "label"), plan, 2, epoch -> {
                if (epoch.epoch() == 1 && tasks.killed.isEmpty()) {
                    long task = tasks.last;
                    tasks.killed.add(task);
                    spark.sparkContext().killTaskAttempt(task, true, "test: a replica lost after epoch 1");
                }
            });
            assertEquals(1, tasks.killed.size());
            assertTrue(retried.attemptStarts().length == 2 && retried.attemptStarts()[1] >= 1,
                    "the second attempt starts after a reported epoch: " + java.util.Arrays.toString(retried.attemptStarts()));
            org.junit.jupiter.api.Assertions.assertArrayEquals(clean.epochLosses(), retried.epochLosses());
            org.junit.jupiter.api.Assertions.assertArrayEquals(TestModels.weights(clean.modelFile()),
                    TestModels.weights(retried.modelFile()));
        } finally {
            spark.sparkContext().removeSparkListener(tasks);
        }
    }

    /** The id of the task that started last. */
    private static final class RunningTasks extends org.apache.spark.scheduler.SparkListener {
        volatile long last = -1;
        final List<Long> killed = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void onTaskStart(org.apache.spark.scheduler.SparkListenerTaskStart event) {
            last = event.taskInfo().taskId();
        }
    }
}
