package dev.gatun.data;

import dev.gatun.kernels.SplitMix;
import dev.gatun.tensor.Shapes;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Images and their class labels: {@link #size()} samples of {@link #features()} unsigned-byte features each, with
 * labels in {@code [0, classes)}. The pixels stay in the mapped {@link IdxFile}s; a data set only knows which file
 * rows are its samples, so subsets and splits are views that cost an index array, never a copy.
 *
 * <p>A data set does not own its files: whoever opened them (for example {@link MnistDirectory}) closes them, and
 * every view of them dies with them (access then throws {@link IllegalStateException}). Views are immutable and may
 * be read from any number of threads.
 */
public final class DataSet {
    /** The most rows a data set can index: the largest Java array the JVM allocates. */
    public static final int MAX_SAMPLES = Integer.MAX_VALUE - 8;

    /** The dev-set size of {@link #split(long)}: 5,000 of MNIST's 60,000 training images, enough to compare runs. */
    public static final int DEFAULT_DEV_SIZE = 5000;

    private final String name;
    private final IdxFile images;
    private final IdxFile labels;
    private final int[] rows;
    private final int features;
    private final int classes;
    private final int[] classCounts;

    private DataSet(String name, IdxFile images, IdxFile labels, int[] rows, int features, int classes) {
        this.name = name;
        this.images = images;
        this.labels = labels;
        this.rows = rows;
        this.features = features;
        this.classes = classes;
        this.classCounts = new int[classes];
        for (int i = 0; i < rows.length; i++) {
            classCounts[label(i)]++;
        }
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
        return new DataSet(name, images, labels, all, (int) images.itemSize(), classes);
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

    public int classes() {
        return classes;
    }

    /** The shape of one sample: the image file's dimensions after the first ({@code (28, 28)}), or (1). */
    public long[] sampleShape() {
        long[] dims = images.dims();
        return dims.length == 1 ? new long[] {1} : Arrays.copyOfRange(dims, 1, dims.length);
    }

    /** Class index of sample {@code i}. */
    public int label(int i) {
        return labels.getInt(rows[i]);
    }

    /** How many samples of each class this data set holds. */
    public int[] classCounts() {
        return classCounts.clone();
    }

    /** Row of sample {@code i} in the image and label files. */
    public int fileRow(int i) {
        return rows[i];
    }

    /** The raw pixels of sample {@code i}: a read-only slice of the mapped file, {@link #features()} bytes. */
    public MemorySegment pixels(int i) {
        return images.body().asSlice(pixelOffset(i), features);
    }

    /** Byte offset of sample {@code i} in {@link #pixelBody()}. */
    long pixelOffset(int i) {
        return (long) rows[i] * features;
    }

    /** The whole mapped image body (all file rows, not just this view's). */
    MemorySegment pixelBody() {
        return images.body();
    }

    public IdxFile imageFile() {
        return images;
    }

    public IdxFile labelFile() {
        return labels;
    }

    /** False once the files behind this data set are closed. */
    public boolean isOpen() {
        return images.isOpen() && labels.isOpen();
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
        return new DataSet(viewName, images, labels, viewRows, features, classes);
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
        return "DataSet[" + name + ": " + size() + " samples of " + Shapes.format(sampleShape()) + ", " + classes
                + " classes]";
    }
}
