package dev.gatun.bench;

import dev.gatun.data.Batch;
import dev.gatun.data.Batches;
import dev.gatun.data.DataSet;
import dev.gatun.data.MnistDirectory;
import dev.gatun.data.Normalization;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Batch assembly from the memory-mapped Fashion-MNIST training images (60,000 × 784 unsigned bytes) into a float32
 * batch, scaled to [0, 1], on the calling thread (no prefetching), next to a plain copy of the same rows.
 *
 * <ul>
 *   <li>{@code assemble}: {@link Batches#next()}: gather + uint8→float32 + normalisation in one pass.</li>
 *   <li>{@code copyRows}: the same rows in the same order copied with {@link MemorySegment#copy} from a float32
 *       copy of the data set made in set-up: the memory-bandwidth floor for producing those bytes, measured in
 *       the same run.</li>
 * </ul>
 *
 * <p>The secondary result {@code floatBytes} is in bytes of float32 produced per second: divide by 1e9 for GB/s.
 * The primary score is batches per second; an epoch of assembly costs {@code ceil(60000/batch)} divided by it.
 *
 * <p>Needs {@code apt-get install dataset-fashion-mnist} (or {@code -p dataDir=...}); the first set-up decompresses
 * into the default cache ({@code -Dgatun.cache=...} to move it). Run with
 * {@code java -cp target/test-classes:target/classes:$(cat target/test.classpath) org.openjdk.jmh.Main BatchAssemblyBench}
 * (extra JVM flags go in {@code -jvmArgsPrepend}: {@code -jvmArgsAppend} would replace the two in {@code @Fork}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
public class BatchAssemblyBench {
    @Param({"32", "128", "1024"})
    public int batch;

    @Param({"shuffled", "sequential"})
    public String order;

    @Param({"/usr/share/datasets/fashion-mnist"})
    public String dataDir;

    private MnistDirectory mnist;
    private Batches batches;
    private Arena arena;
    private MemorySegment floats;
    private MemorySegment out;
    private int[] rows;
    private int features;
    private int position;

    /** Bytes of float32 written, reported as a rate next to the primary score. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Produced {
        public long floatBytes;

        @Setup(Level.Iteration)
        public void reset() {
            floatBytes = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        boolean shuffled = switch (order) {
            case "shuffled" -> true;
            case "sequential" -> false;
            default -> throw new IllegalArgumentException("order must be shuffled or sequential, got " + order);
        };
        mnist = MnistDirectory.load(Path.of(dataDir));
        DataSet train = mnist.train();
        features = train.features();
        Normalization unit = Normalization.scaleToUnit(features);
        batches = Batches.over(train, batch).seed(1).shuffle(shuffled).normalization(unit).build();

        arena = Arena.ofShared();
        floats = arena.allocate((long) train.size() * features * Float.BYTES, 64);
        for (int i = 0; i < train.size(); i++) {
            unit.applyBytes(train.pixels(i), 0, floats, (long) i * features * Float.BYTES);
        }
        out = arena.allocate((long) batch * features * Float.BYTES, 64);
        rows = new int[train.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        if (shuffled) {
            SplittableRandom random = new SplittableRandom(1);
            for (int i = rows.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = rows[i];
                rows[i] = rows[j];
                rows[j] = t;
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        batches.close();
        arena.close();
        mnist.close();
    }

    @Benchmark
    public Batch assemble(Produced produced) {
        Batch b = batches.next();
        produced.floatBytes += (long) b.size() * features * Float.BYTES;
        return b;
    }

    @Benchmark
    public MemorySegment copyRows(Produced produced) {
        int m = Math.min(batch, rows.length - position);
        long rowBytes = (long) features * Float.BYTES;
        if (order.equals("sequential")) {
            MemorySegment.copy(floats, position * rowBytes, out, 0, m * rowBytes);
        } else {
            for (int r = 0; r < m; r++) {
                MemorySegment.copy(floats, rows[position + r] * rowBytes, out, r * rowBytes, rowBytes);
            }
        }
        position = position + m == rows.length ? 0 : position + m;
        produced.floatBytes += m * rowBytes;
        return out;
    }
}
