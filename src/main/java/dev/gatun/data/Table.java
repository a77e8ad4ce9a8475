package dev.gatun.data;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Float32 feature rows with a class label or real-valued targets per row, in off-heap memory this object owns: a
 * CSV file's cache, memory-mapped ({@link CsvReader}), or a copy of arrays given in Java ({@link #ofLabels},
 * {@link #ofTargets}). {@link #dataSet()} is the view that training, evaluation and {@link Batches} read, with the
 * same zero-copy subsets, splits and shuffled batches as IDX images.
 *
 * <pre>{@code
 * try (Table xor = Table.ofLabels("xor", new float[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}}, new int[] {0, 1, 1, 0}, 2)) {
 *     Trainer.builder(model, adam, xor.dataSet()).batchSize(4).epochs(2000).build().run();
 * }
 * }</pre>
 *
 * <p>Every feature must be finite, every label in {@code [0, classes)}, every target finite: bad values are refused
 * with the row and column. {@link #close()} frees the memory (or unmaps the file); every view of the data set dies
 * with it.
 */
public final class Table implements AutoCloseable {
    private final String name;
    private final Arena arena;
    private final Store store;
    private final int rows;
    private final List<String> featureNames;
    private final DataSet dataSet;

    Table(String name, Arena arena, MemorySegment features, int rows, int featureCount, MemorySegment labels,
          int classes, MemorySegment targets, int targetWidth, List<String> featureNames, List<String> classNames) {
        this.name = name;
        this.arena = arena;
        this.rows = rows;
        this.store = new Store(features, featureCount, labels, targets, targetWidth, arena);
        this.featureNames = List.copyOf(featureNames);
        this.dataSet = DataSet.over(name, store, rows, featureCount, classes, classNames);
    }

    /** A classification table: {@code features[i]} labelled {@code labels[i]} in {@code [0, classes)}; copied. */
    public static Table ofLabels(String name, float[][] features, int[] labels, int classes) {
        int featureCount = requireRectangular(name, features, "features");
        requireRows(name, features.length, labels == null ? -1 : labels.length, "labels");
        return labelled(name, arena -> copyRows(name, arena, features, featureCount), featureCount, labels, classes);
    }

    /**
     * A classification table over {@code features}: {@code labels.length} rows of {@code featureCount} float32 values
     * in native byte order (on or off the heap); copied, so the caller keeps its segment.
     */
    public static Table ofLabels(String name, MemorySegment features, int featureCount, int[] labels, int classes) {
        Objects.requireNonNull(labels, "labels");
        return labelled(name, arena -> copyFeatures(name, arena, features, featureCount, labels.length), featureCount,
                labels, classes);
    }

    /** A regression table: {@code features[i]} with the real-valued targets {@code targets[i]}; copied. */
    public static Table ofTargets(String name, float[][] features, float[][] targets) {
        int featureCount = requireRectangular(name, features, "features");
        requireRows(name, features.length, targets == null ? -1 : targets.length, "target rows");
        int width = requireRectangular(name, targets, "targets");
        return withTargets(name, arena -> copyRows(name, arena, features, featureCount), featureCount, targets, width);
    }

    /** A regression table over {@code targets.length} rows of {@code featureCount} float32 features; copied. */
    public static Table ofTargets(String name, MemorySegment features, int featureCount, float[][] targets) {
        int width = requireRectangular(name, targets, "targets");
        return withTargets(name, arena -> copyFeatures(name, arena, features, featureCount, targets.length),
                featureCount, targets, width);
    }

    private static Table labelled(String name, Function<Arena, MemorySegment> featureCopy, int featureCount,
                                  int[] labels, int classes) {
        if (classes < 1 || classes > CsvReader.MAX_CLASSES) {
            throw new IllegalArgumentException("table " + name + ": class count must be 1 to " + CsvReader.MAX_CLASSES
                    + " (a CSV file's limit too), got " + classes);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("table " + name + ": label of row " + i + " is " + labels[i]
                        + ", expected a class index in 0.." + (classes - 1));
            }
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment x = featureCopy.apply(arena);
            MemorySegment y = arena.allocate(ValueLayout.JAVA_INT, Math.max(1, labels.length));
            MemorySegment.copy(labels, 0, y, ValueLayout.JAVA_INT, 0, labels.length);
            return new Table(name, arena, x, labels.length, featureCount, y, classes, null, 0, List.of(), List.of());
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static Table withTargets(String name, Function<Arena, MemorySegment> featureCopy, int featureCount,
                                     float[][] targets, int width) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment x = featureCopy.apply(arena);
            MemorySegment y = copyRows(name, arena, targets, width);
            return new Table(name, arena, x, targets.length, featureCount, null, 0, y, width, List.of(), List.of());
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    /** Every row, as a data set (split it, subset it, batch it). */
    public DataSet dataSet() {
        return dataSet;
    }

    public int rows() {
        return rows;
    }

    /** The features' column names from a CSV header; empty when there was none (or for arrays). */
    public List<String> featureNames() {
        return featureNames;
    }

    /** One name per class (a CSV file's label values), or empty. */
    public List<String> classNames() {
        return dataSet.classNames();
    }

    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Frees the rows (unmaps a cache file); idempotent. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "Table[" + name + ": " + dataSet + "]";
    }

    private static int requireRectangular(String name, float[][] rows, String what) {
        if (rows == null || rows.length == 0) {
            throw new IllegalArgumentException("table " + name + ": " + what + " must hold at least one row");
        }
        if (rows.length > DataSet.MAX_SAMPLES) {
            throw new IllegalArgumentException("table " + name + ": at most " + DataSet.MAX_SAMPLES + " rows");
        }
        int width = rows[0] == null ? 0 : rows[0].length;
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || rows[i].length != width || width == 0) {
                throw new IllegalArgumentException("table " + name + ": " + what + " row " + i + " has "
                        + (rows[i] == null ? "no array" : rows[i].length + " values") + ", expected "
                        + (width == 0 ? "at least one" : width + " like row 0"));
            }
        }
        return width;
    }

    private static void requireRows(String name, int rows, int given, String what) {
        if (given != rows) {
            throw new IllegalArgumentException("table " + name + ": " + rows + " feature rows but "
                    + (given < 0 ? "no " + what : given + " " + what));
        }
    }

    /**
     * Copies rectangular {@code rows} into {@code arena} one row at a time, refusing a non-finite value: no flat heap
     * array on the way, so an array-of-rows table needs its own size in heap once, not twice.
     */
    private static MemorySegment copyRows(String name, Arena arena, float[][] rows, int width) {
        MemorySegment copy = arena.allocate(4L * width * rows.length, 64);
        for (int i = 0; i < rows.length; i++) {
            MemorySegment.copy(rows[i], 0, copy, ValueLayout.JAVA_FLOAT, 4L * width * i, width);
        }
        requireFinite(name, copy, width);
        return copy;
    }

    /** Copies {@code rows × width} floats into {@code arena}, refusing a wrong size or a non-finite value. */
    private static MemorySegment copyFeatures(String name, Arena arena, MemorySegment source, int width, int rows) {
        Objects.requireNonNull(source, "features");
        if (width < 1 || rows < 1) {
            throw new IllegalArgumentException("table " + name + ": needs at least one row and one column, got " + rows
                    + " rows of " + width);
        }
        long bytes = 4L * width * rows;
        if (source.byteSize() != bytes) {
            throw new IllegalArgumentException("table " + name + ": " + rows + " rows of " + width + " float32 values are "
                    + bytes + " bytes, the segment holds " + source.byteSize());
        }
        if (!source.scope().isAlive()) {
            throw new IllegalStateException("table " + name + ": the features segment lives in an arena that is already"
                    + " closed");
        }
        if (!source.isAccessibleBy(Thread.currentThread())) {
            throw new IllegalStateException("table " + name + ": the features segment belongs to a confined arena of"
                    + " another thread");
        }
        MemorySegment copy = arena.allocate(bytes, 64);
        MemorySegment.copy(source, 0, copy, 0, bytes);
        requireFinite(name, copy, width);
        return copy;
    }

    /** Checked on the copy, which the caller can no longer change. */
    private static void requireFinite(String name, MemorySegment rows, int width) {
        long values = rows.byteSize() / 4;
        for (long k = 0; k < values; k++) {
            float v = rows.getAtIndex(ValueLayout.JAVA_FLOAT, k);
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("table " + name + ": row " + k / width + " column " + k % width
                        + " is " + v + ", expected a finite number");
            }
        }
    }

    /** The rows as a {@link SampleStore}: float32 features, int32 labels or float32 targets. */
    private record Store(MemorySegment features, int featureCount, MemorySegment labels, MemorySegment targets,
                         int targetWidth, Arena arena) implements SampleStore {
        @Override
        public FeatureType featureType() {
            return FeatureType.FLOAT32;
        }

        @Override
        public int label(int row) {
            return labels.getAtIndex(ValueLayout.JAVA_INT, row);
        }

        @Override
        public boolean isOpen() {
            return arena.scope().isAlive();
        }

        @Override
        public long[] sampleShape() {
            return new long[] {featureCount};
        }
    }
}
