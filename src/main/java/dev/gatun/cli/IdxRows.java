package dev.gatun.cli;

import dev.gatun.data.IdxFile;
import dev.gatun.tensor.Shapes;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The samples of an IDX file of any element type and rank: its trailing dimensions must multiply to the model's
 * inputs, its leading ones count the samples, so {@code (n, 28, 28)}, {@code (n, 784)}, a single {@code (28, 28)}
 * image and a bare {@code (784)} vector all work for a 784-input model. Read through the memory-mapped
 * {@link IdxFile} (a {@code .gz} one through its decompression cache); nothing is copied but the current sample.
 */
final class IdxRows implements InputRows {
    private final IdxFile idx;
    private final int features;
    private final long rows;
    private long row;

    private IdxRows(IdxFile idx, int features, long rows) {
        this.idx = idx;
        this.features = features;
        this.rows = rows;
    }

    static IdxRows open(Path file, int features) throws IOException {
        IdxFile idx = IdxFile.open(file);
        try {
            long[] dims = idx.dims();
            long trailing = 1;
            int split = dims.length;
            while (split > 0 && trailing < features) {
                trailing *= dims[--split];
            }
            if (idx.elementCount() == 0) {
                throw new IllegalArgumentException(file + ": IDX file of shape " + Shapes.format(dims) + " holds no samples");
            }
            if (trailing != features) {
                throw new IllegalArgumentException(file + ": IDX shape " + Shapes.format(dims) + " does not end in "
                        + "dimensions that multiply to the model's " + features + " inputs");
            }
            return new IdxRows(idx, features, idx.elementCount() / features);
        } catch (RuntimeException e) {
            idx.close();
            throw e;
        }
    }

    @Override
    public boolean next(float[] into, int offset) {
        if (row == rows) {
            return false;
        }
        long base = row * features;
        for (int j = 0; j < features; j++) {
            float v = (float) idx.get(base + j);
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(idx.path() + ": sample " + row + " element " + j + " is " + v
                        + (Double.isFinite(idx.get(base + j)) ? " in float32 (" + idx.get(base + j) + " is out of range)" : "")
                        + ": inputs must be finite numbers");
            }
            into[offset + j] = v;
        }
        row++;
        return true;
    }

    @Override
    public void close() {
        idx.close();
    }
}
