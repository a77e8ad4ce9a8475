package dev.gatun.data;

import dev.gatun.kernels.SplitMix;
import dev.gatun.tensor.Shapes;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * Samples with their class labels or real-valued targets: {@link #size()} samples of {@link #features()} features
 * each, stored as unsigned bytes (images in mapped {@link IdxFile}s) or float32 (a {@link Table}: a CSV file's
 * off-heap cache, or in-memory arrays), labelled with classes in {@code [0, classes)} or carrying
 * {@link #targetWidth()} float targets for regression. The samples stay where they are stored; a data set only knows
 * which stored rows are its samples, so subsets and splits are views that cost an index array, never a copy.
 *
 * <p>A data set does not own its storage: whoever opened it (a {@link MnistDirectory}, a {@link Table}) closes it,
 * and every view of it dies with it (access then throws {@link IllegalStateException}). Views are immutable and may
 * be read from any number of threads.
 */
public final class DataSet {
    /** The most rows a data set can index: the largest Java array the JVM allocates. */
    public static final int MAX_SAMPLES = Integer.MAX_VALUE - 8;

    /** The dev-set size of {@link #split(long)}: 5,000 of MNIST's 60,000 training images, enough to compare runs. */
    public static final int DEFAULT_DEV_SIZE = 5000;

    private final String name;
    private final SampleStore store;
    private final int[] rows;
    private final int features;
    private final int classes;
    private final List<String> classNames;
    private final int[] classCounts;

    private DataSet(String name, SampleStore store, int[] rows, int features, int classes, List<String> classNames) {
        this.name = name;
        this.store = store;
        this.rows = rows;
        this.features = features;
        this.classes = classes;
        this.classNames = classNames;
        this.classCounts = new int[classes];
        if (store.targetWidth() == 0) {
            for (int i = 0; i < rows.length; i++) {
                int label = label(i);
                if (label < 0 || label >= classes) {
                    // The stores check their labels as they are made; a changed cache file must not index past the end.
                    throw new IllegalStateException("data set " + name + ": stored row " + rows[i] + " has label "
                            + label + ", outside 0.." + (classes - 1));
                }
                classCounts[label]++;
            }
        }
    }

    /**
     * A data set of every row of {@code store}, whose labels the caller has checked against {@code classes} (0 for a
     * store of targets); {@code classNames} holds one name per class or nothing.
     */
    static DataSet over(String name, SampleStore store, int rowCount, int features, int classes, List<String> classNames) {
        int[] all = new int[rowCount];
        Arrays.setAll(all, i -> i);
        return new DataSet(name, store, all, features, classes, List.copyOf(classNames));
    }

    /**
     * A data set of every row of {@code images} (unsigned bytes, one item per row) labelled by {@code labels} (an
     * integer type, one value per image), checking that the two agree and that every label is below {@code classes}.
     *
     * @throws DataFileException naming the file at fault: wrong types, counts that disagree, a label out of range
     */
    public static DataSet of(String name, IdxFile images, IdxFile labels, int classes) throws DataFileException {
        if (name == null || images == null || labels == null) {
            throw new IllegalArgumentException("name, images and labels must not be null");
        }
        if (classes < 1) {
            throw new IllegalArgumentException("data set " + name + ": class count must be at least 1, got " + classes);
        }
        if (images.type() != IdxType.UNSIGNED_BYTE) {
            throw new DataFileException(images.path(), "type code", IdxHeader.TYPE_OFFSET,
                    IdxType.UNSIGNED_BYTE.describe() + " pixels", images.type().describe());
        }
        if (images.itemSize() > Integer.MAX_VALUE) {
            throw new DataFileException(images.path(), "dimensions", IdxHeader.DIMS_OFFSET,
                    "at most " + Integer.MAX_VALUE + " features per image", images.itemSize() + " in shape "
                            + Shapes.format(images.dims()));
        }
        if (!labels.type().isIntegral()) {
            throw new DataFileException(labels.path(), "type code", IdxHeader.TYPE_OFFSET,
                    "an integer type for class labels (0x08, 0x09, 0x0B or 0x0C)", labels.type().describe());
        }
        if (labels.itemSize() != 1) {
            throw new DataFileException(labels.path(), "dimensions", IdxHeader.DIMS_OFFSET,
                    "one label per image, shape (n)", "shape " + Shapes.format(labels.dims()));
        }
        if (labels.count() != images.count()) {
            throw new DataFileException(labels.path(), "dimension 0 (label count)", IdxHeader.DIMS_OFFSET,
                    images.count() + " labels, one per image of " + images.path(), labels.count() + " labels");
        }
        if (images.count() > MAX_SAMPLES) {
            throw new DataFileException(images.path(), "dimension 0 (image count)", IdxHeader.DIMS_OFFSET,
                    "at most " + MAX_SAMPLES + " images (a data set indexes its rows with a Java int array)",
                    images.count() + " images: too large");
        }
        int n = (int) images.count();
        int[] all;
        try {
            all = new int[n];
        } catch (OutOfMemoryError e) {
            throw new DataFileException(images.path(), "dimension 0 (image count)", IdxHeader.DIMS_OFFSET,
                    "a data set whose row index fits this JVM's heap (" + Runtime.getRuntime().maxMemory() / (1 << 20)
                            + " MB; raise it with -Xmx)", n + " images: too large");
        }
        for (int i = 0; i < n; i++) {
            int label = labels.getInt(i);
            if (label < 0 || label >= classes) {
                throw new DataFileException(labels.path(), "label " + i,
                        labels.header().headerBytes() + (long) i * labels.type().byteSize(),
                        "a class index in 0.." + (classes - 1), Integer.toString(label));
            }
        }
        Arrays.setAll(all, i -> i);
        return new DataSet(name, new IdxStore(images, labels), all, (int) images.itemSize(), classes, List.of());
    }

    public String name() {
        return name;
    }

    public int size() {
        return rows.length;
    }

    /** Features per sample (784 for 28×28 images). */
    public int features() {
        return features;
    }

    /** Classes the labels index, or 0 for a data set of real-valued targets. */
    public int classes() {
        return classes;
    }

    /** The classes' names, one per class, when the data named them (a CSV file's label column); else empty. */
    public List<String> classNames() {
        return classNames;
    }

    /** Real-valued targets per sample (regression), or 0 when samples carry class labels. */
    public int targetWidth() {
        return store.targetWidth();
    }

    /** How the features are stored: unsigned bytes (IDX images) or float32. */
    public FeatureType featureType() {
        return store.featureType();
    }

    /** The shape of one sample: the image file's dimensions after the first ({@code (28, 28)}), or {@code (features)}. */
    public long[] sampleShape() {
        return store.sampleShape();
    }

    /** Class index of sample {@code i}; a data set of targets has none. */
    public int label(int i) {
        if (classes == 0) {
            throw new IllegalStateException("data set " + name + " holds real-valued targets, not class labels");
        }
        return store.label(storedRow(i));
    }

    /** Target {@code j} of sample {@code i} (regression data only). */
    public float target(int i, int j) {
        if (j < 0 || j >= targetWidth()) {
            throw new IndexOutOfBoundsException("target " + j + " of data set " + name + " with " + targetWidth()
                    + " targets per sample");
        }
        return store.targets().getAtIndex(ValueLayout.JAVA_FLOAT, (long) storedRow(i) * targetWidth() + j);
    }

    /** How many samples of each class this data set holds. */
    public int[] classCounts() {
        return classCounts.clone();
    }

    /** Row of sample {@code i} in the storage (the image and label files, the table). */
    public int fileRow(int i) {
        return storedRow(i);
    }

    /**
     * The stored features of sample {@code i}: a read-only slice of {@link #features()} values of
     * {@link #featureType()}. Read-only for in-memory tables too, whose storage is writable: a write through it would
     * change every view of the table and pass by the finiteness check the table made.
     */
    public MemorySegment row(int i) {
        long bytes = (long) features * featureType().byteSize();
        return store.features().asSlice(storedRow(i) * bytes, bytes).asReadOnly();
    }

    /**
     * The stored row of sample {@code i}, for the public accessors: an index out of range or a data set whose files or
     * table were closed is named here, where the JDK would say only "Index 50 out of bounds for length 50" or
     * "Already closed". The batch gatherer, which checks once per batch, reads {@link #rowOffset} instead.
     */
    private int storedRow(int i) {
        if (i < 0 || i >= rows.length) {
            throw new IndexOutOfBoundsException("sample " + i + " of data set " + name + ", which holds " + rows.length
                    + " samples");
        }
        if (!store.isOpen()) {
            throw new IllegalStateException("data set " + name + " is closed: its files were unmapped or its table"
                    + " closed before sample " + i + " was read");
        }
        return rows[i];
    }

    /** The raw pixels of sample {@code i} of an image data set: a read-only slice of the mapped file. */
    public MemorySegment pixels(int i) {
        if (featureType() != FeatureType.UINT8) {
            throw new IllegalStateException("data set " + name + " holds " + featureType() + " features, not pixels: use row(i)");
        }
        return row(i);
    }

    /**
     * {@link #label} and {@link #fileRow} without their checks, for the batch gatherer: its samples come from this
     * set's own order and it checks once per batch that the set is open, so a per-row check would only add work to
     * a loop that BatchAllocationTest holds to allocating nothing.
     */
    int labelUnchecked(int i) {
        return store.label(rows[i]);
    }

    int fileRowUnchecked(int i) {
        return rows[i];
    }

    /** Byte offset of sample {@code i} in {@link #featureBody()}. */
    long rowOffset(int i) {
        return (long) rows[i] * features * featureType().byteSize();
    }

    /** Every stored row's features (not just this view's). */
    MemorySegment featureBody() {
        return store.features();
    }

    /** Every stored row's targets (regression data only). */
    MemorySegment targetBody() {
        return store.targets();
    }

    public IdxFile imageFile() {
        return idx().images();
    }

    public IdxFile labelFile() {
        return idx().labels();
    }

    private IdxStore idx() {
        if (store instanceof IdxStore files) {
            return files;
        }
        throw new IllegalStateException("data set " + name + " is not read from IDX files");
    }

    /** False once the storage behind this data set is closed. */
    public boolean isOpen() {
        return store.isOpen();
    }

    /** The first {@code n} samples. */
    public DataSet first(int n) {
        requireSubsetSize(n, size());
        return view(name + "[first " + n + "]", Arrays.copyOf(rows, n));
    }

    /**
     * {@code n} samples drawn at random (by {@code seed}) so that each class keeps its share: class {@code c} gets
     * {@code floor(n·count_c/size)} samples, and the leftover ones go to the classes with the largest remainders
     * (the lower class index on ties). Samples keep their order in this data set.
     */
    public DataSet stratified(int n, long seed) {
        requireSubsetSize(n, size());
        if (classes == 0) {
            return randomSubset(n, seed);
        }
        int[][] members = membersByClass();
        int[] quota = quotas(n);
        SplitMix rng = new SplitMix(seed);
        int[] chosen = new int[n];
        int at = 0;
        for (int c = 0; c < classes; c++) {
            int[] candidates = members[c];
            // A partial Fisher-Yates: the first quota[c] entries become a uniform random choice.
            for (int k = 0; k < quota[c]; k++) {
                int j = k + rng.nextInt(candidates.length - k);
                int t = candidates[k];
                candidates[k] = candidates[j];
                candidates[j] = t;
                chosen[at++] = candidates[k];
            }
        }
        return view(name + "[stratified " + n + " seed " + seed + "]", fileRowsOf(chosen));
    }

    /** Regression data has no classes to stratify by: a uniform choice of {@code n} samples, in their order. */
    private DataSet randomSubset(int n, long seed) {
        int[] order = new int[size()];
        Arrays.setAll(order, i -> i);
        new SplitMix(seed).shuffle(order, order.length);
        return view(name + "[random " + n + " seed " + seed + "]", fileRowsOf(Arrays.copyOf(order, n)));
    }

    /** A train/dev split with the default dev size of {@value #DEFAULT_DEV_SIZE}. */
    public Split split(long seed) {
        return split(DEFAULT_DEV_SIZE, seed);
    }

    /**
     * Carves a dev set of {@code devSize} random samples (by {@code seed}) out of this one; the rest is the train
     * part. Both keep the samples' order; together they hold every sample exactly once.
     */
    public Split split(int devSize, long seed) {
        if (devSize < 1 || devSize >= size()) {
            throw new IllegalArgumentException("data set " + name + " has " + size()
                    + " samples: a dev set needs between 1 and " + (size() - 1) + ", got " + devSize);
        }
        int[] order = new int[size()];
        Arrays.setAll(order, i -> i);
        new SplitMix(seed).shuffle(order, order.length);
        int[] dev = Arrays.copyOf(order, devSize);
        int[] train = Arrays.copyOfRange(order, devSize, order.length);
        return new Split(view(name + "/train", fileRowsOf(train)), view(name + "/dev", fileRowsOf(dev)));
    }

    /** The two parts of {@link #split}. */
    public record Split(DataSet train, DataSet dev) {}

    private DataSet view(String viewName, int[] viewRows) {
        return new DataSet(viewName, store, viewRows, features, classes, classNames);
    }

    /** File rows for sample indices of this data set, in sample order. */
    private int[] fileRowsOf(int[] sampleIndices) {
        Arrays.sort(sampleIndices);
        int[] result = new int[sampleIndices.length];
        for (int k = 0; k < result.length; k++) {
            result[k] = rows[sampleIndices[k]];
        }
        return result;
    }

    private int[][] membersByClass() {
        int[][] members = new int[classes][];
        int[] filled = new int[classes];
        for (int c = 0; c < classes; c++) {
            members[c] = new int[classCounts[c]];
        }
        for (int i = 0; i < size(); i++) {
            int c = label(i);
            members[c][filled[c]++] = i;
        }
        return members;
    }

    private int[] quotas(int n) {
        int[] quota = new int[classes];
        long[] remainder = new long[classes];
        int given = 0;
        for (int c = 0; c < classes; c++) {
            long scaled = (long) n * classCounts[c];
            quota[c] = (int) (scaled / size());
            remainder[c] = scaled % size();
            given += quota[c];
        }
        for (; given < n; given++) {
            int best = -1;
            for (int c = 0; c < classes; c++) {
                if (remainder[c] > 0 && (best < 0 || remainder[c] > remainder[best])) {
                    best = c;
                }
            }
            quota[best]++;
            remainder[best] = 0;
        }
        return quota;
    }

    private void requireSubsetSize(int n, int available) {
        if (n < 1 || n > available) {
            throw new IllegalArgumentException("data set " + name + " has " + available
                    + " samples: a subset needs between 1 and " + available + ", got " + n);
        }
    }

    @Override
    public String toString() {
        return "DataSet[" + name + ": " + size() + " samples of " + Shapes.format(sampleShape()) + ", "
                + (classes > 0 ? classes + " classes]" : targetWidth() + " targets]");
    }
}
