package dev.gatun.kernels;

import dev.gatun.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Argument checks every kernel runs before touching memory. Messages name the kernel, the argument and both
 * shapes; nothing here allocates unless it throws, so the checks stay on the hot path.
 */
public final class Check {
    private Check() {}

    static void usable(String op, String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        if (!t.isAlive()) {
            throw new IllegalStateException(op + ": " + name + " " + t.shapeString() + " lives in an arena that is already closed");
        }
        if (!t.segment().isAccessibleBy(Thread.currentThread())) {
            throw new IllegalStateException(op + ": " + name + " " + t.shapeString() + " belongs to a confined arena of"
                    + " another thread");
        }
    }

    /** {@code other} is usable and has the same dtype and shape as {@code first}. */
    static void like(String op, Tensor first, String firstName, Tensor other, String otherName) {
        usable(op, otherName, other);
        sameDType(op, first, firstName, other, otherName);
        boolean same = first.rank() == other.rank();
        for (int axis = 0; same && axis < first.rank(); axis++) {
            same = first.dim(axis) == other.dim(axis);
        }
        if (!same) {
            throw new IllegalArgumentException(op + ": " + otherName + " has shape " + other.shapeString() + " but "
                    + firstName + " has shape " + first.shapeString());
        }
    }

    static void sameDType(String op, Tensor first, String firstName, Tensor other, String otherName) {
        if (first.dtype() != other.dtype()) {
            throw new IllegalArgumentException(op + ": mixed dtypes: " + firstName + " is " + first.dtype() + " "
                    + first.shapeString() + ", " + otherName + " is " + other.dtype() + " " + other.shapeString());
        }
    }

    /** {@code v} is usable, of {@code first}'s dtype, and holds exactly one value per column of {@code first}. */
    static void perColumn(String op, Tensor first, String firstName, Tensor v, String name) {
        usable(op, name, v);
        sameDType(op, first, firstName, v, name);
        if (v.size() != first.cols()) {
            throw new IllegalArgumentException(op + ": " + name + " has shape " + v.shapeString() + " but " + firstName
                    + " " + first.shapeString() + " has " + first.cols() + " columns");
        }
    }

    /**
     * An output may be one of the inputs (in place) or lie apart from it; a partial overlap would make a kernel
     * read values it has already overwritten.
     */
    static void sameOrDisjoint(String op, Tensor out, String outName, Tensor in, String inName) {
        long outStart = out.segment().address();
        long inStart = in.segment().address();
        if (outStart == inStart && out.segment().byteSize() == in.segment().byteSize()) {
            return;
        }
        if (outStart < inStart + in.byteSize() && inStart < outStart + out.byteSize()) {
            throw new IllegalArgumentException(op + ": output " + outName + " " + out.shapeString()
                    + " partly overlaps input " + inName + " " + in.shapeString() + " (only exact in-place use is allowed)");
        }
    }

    /**
     * An output the kernel writes while it still reads {@code in} (or writes it too) needs memory of its own: neither
     * in place nor overlapping.
     */
    static void apart(String op, Tensor out, String outName, Tensor in, String inName) {
        long outStart = out.segment().address();
        long inStart = in.segment().address();
        if (outStart < inStart + in.byteSize() && inStart < outStart + out.byteSize()) {
            throw new IllegalArgumentException(op + ": output " + outName + " " + out.shapeString() + " shares memory with "
                    + inName + " " + in.shapeString() + ": it needs memory of its own");
        }
    }

    /** Labels are int32 class indices, one per row; the segment may be longer than the batch. */
    static void labels(String op, MemorySegment labels, long rows) {
        if (labels == null) {
            throw new IllegalArgumentException(op + ": labels segment is null");
        }
        if (!labels.scope().isAlive()) {
            throw new IllegalStateException(op + ": labels segment lives in an arena that is already closed");
        }
        if (labels.byteSize() < rows * ValueLayout.JAVA_INT.byteSize()) {
            throw new IllegalArgumentException(op + ": labels segment holds " + labels.byteSize() / 4
                    + " int32 labels but the batch has " + rows + " rows");
        }
    }

    /** Row {@code row}'s label, which must lie in [0, classes): read by the softmax kernels where they use it. */
    public static int label(String op, MemorySegment labels, long row, long classes) {
        int y = labels.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, row);
        if (y < 0 || y >= classes) {
            throw new IllegalArgumentException(op + ": label " + y + " at row " + row + " is outside [0, " + classes + ")");
        }
        return y;
    }

    static void positiveFinite(String op, String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(op + ": " + name + " must be positive and finite, got " + value);
        }
    }
}
