package dev.gatun.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A row-major block of float32 or float64 values in a {@link MemorySegment}, with its shape.
 *
 * <p>A Tensor never owns memory: the arena it was allocated from (or the segment it wraps) belongs to the
 * caller, who closes it with try-with-resources. Views ({@link #rowSlice}, {@link #reshape}) share the
 * segment and so die with the same arena. A batch is {@code (m, n)}: one sample per row, so a slice of rows
 * is contiguous and needs no stride.
 */
public final class Tensor {
    /** Cache-line alignment: lets the Vector API and OpenBLAS start every tensor on a full line. */
    public static final long ALIGNMENT = 64;

    private final DType dtype;
    private final long[] shape;
    private final long size;
    /** size × the dtype's width, kept because every BLAS call checks it against the segment and for overlap. */
    private final long byteSize;
    private final MemorySegment segment;

    private Tensor(DType dtype, long[] shape, long size, MemorySegment segment) {
        this.dtype = dtype;
        this.shape = shape;
        this.size = size;
        this.byteSize = size * dtype.byteSize();
        this.segment = segment;
    }

    /** A zero-filled tensor in {@code arena}, 64-byte aligned. */
    public static Tensor allocate(Arena arena, DType dtype, long... shape) {
        if (arena == null || dtype == null) {
            throw new IllegalArgumentException("arena and dtype must not be null");
        }
        long[] dims = copy(shape);
        long size = Shapes.elementCount(dims);
        return new Tensor(dtype, dims, size, arena.allocate(bytes(dims, size, dtype), ALIGNMENT));
    }

    /** The bytes of {@code size} elements of {@code dtype}, refused when they do not fit a long. */
    private static long bytes(long[] dims, long size, DType dtype) {
        try {
            return Math.multiplyExact(size, dtype.byteSize());
        } catch (ArithmeticException overflow) {
            throw new IllegalArgumentException("a " + dtype + " tensor of shape " + Shapes.format(dims)
                    + " has more bytes than a long can count");
        }
    }

    /** Views an existing segment (for example a memory-mapped file) as a tensor; the segment's size must match. */
    public static Tensor wrap(MemorySegment segment, DType dtype, long... shape) {
        if (segment == null || dtype == null) {
            throw new IllegalArgumentException("segment and dtype must not be null");
        }
        long[] dims = copy(shape);
        long size = Shapes.elementCount(dims);
        long needed = bytes(dims, size, dtype);   // an unchecked product could wrap to a small size and pass
        if (segment.byteSize() < needed) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes is too small for a "
                    + dtype + " tensor of shape " + Shapes.format(dims) + " (" + needed + " bytes)");
        }
        return new Tensor(dtype, dims, size, segment.asSlice(0, needed));
    }

    /** A private copy of the caller's shape; null stays null so that Shapes.elementCount rejects it by name. */
    private static long[] copy(long[] shape) {
        return shape == null ? null : shape.clone();
    }

    public static Tensor of(Arena arena, float[] values, long... shape) {
        Tensor t = allocate(arena, DType.F32, shape);
        t.copyFrom(values);
        return t;
    }

    public static Tensor of(Arena arena, double[] values, long... shape) {
        Tensor t = allocate(arena, DType.F64, shape);
        t.copyFrom(values);
        return t;
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis];
    }

    /** Element count. */
    public long size() {
        return size;
    }

    /** First dimension; 1 for a vector. */
    public long rows() {
        return shape.length == 1 ? 1 : shape[0];
    }

    /** Elements per row: everything after the first dimension (the whole vector for rank 1). */
    public long cols() {
        return size / rows();
    }

    public long byteSize() {
        return byteSize;
    }

    public MemorySegment segment() {
        return segment;
    }

    /** False once the arena that holds this tensor's memory is closed. */
    public boolean isAlive() {
        return segment.scope().isAlive();
    }

    public String shapeString() {
        return Shapes.format(shape);
    }

    /** Rows {@code [from, to)} as a view sharing this tensor's memory. */
    public Tensor rowSlice(long from, long to) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("rowSlice needs a tensor of rank >= 2, got shape " + shapeString());
        }
        if (from < 0 || to > shape[0] || from >= to) {
            throw new IllegalArgumentException("row range [" + from + ", " + to + ") is not a non-empty range inside shape "
                    + shapeString());
        }
        long rowBytes = cols() * dtype.byteSize();
        long[] dims = shape.clone();
        dims[0] = to - from;
        return new Tensor(dtype, dims, dims[0] * cols(), segment.asSlice(from * rowBytes, dims[0] * rowBytes));
    }

    /** The same memory seen with another shape of the same element count. */
    public Tensor reshape(long... newShape) {
        long[] dims = copy(newShape);
        long newSize = Shapes.elementCount(dims);
        if (newSize != size) {
            throw new IllegalArgumentException("cannot reshape " + shapeString() + " (" + size + " elements) to "
                    + Shapes.format(dims) + " (" + newSize + " elements)");
        }
        return new Tensor(dtype, dims, size, segment);
    }

    /** Element at a flat row-major index, widened to double whatever the dtype. */
    public double get(long index) {
        checkIndex(index);
        return dtype == DType.F32
                ? segment.getAtIndex(ValueLayout.JAVA_FLOAT, index)
                : segment.getAtIndex(ValueLayout.JAVA_DOUBLE, index);
    }

    /** Element {@code (row, col)}; both are checked, since a column past the row's end is another row's element. */
    public double get(long row, long col) {
        return get(index(row, col));
    }

    /** A flat index inside the tensor, named: the memory's own check spoke of its bytes, not of the tensor. */
    private void checkIndex(long index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("element " + index + " of a tensor of " + size + " elements "
                    + shapeString());
        }
    }

    private long index(long row, long col) {
        if (row < 0 || row >= rows() || col < 0 || col >= cols()) {
            throw new IndexOutOfBoundsException("element (" + row + ", " + col + ") of a tensor of " + rows()
                    + " rows and " + cols() + " columns");
        }
        return row * cols() + col;
    }

    /** Stores {@code value} at a flat row-major index, narrowed to float for F32. */
    public void set(long index, double value) {
        checkIndex(index);
        if (dtype == DType.F32) {
            segment.setAtIndex(ValueLayout.JAVA_FLOAT, index, (float) value);
        } else {
            segment.setAtIndex(ValueLayout.JAVA_DOUBLE, index, value);
        }
    }

    public void set(long row, long col, double value) {
        set(index(row, col), value);
    }

    public Tensor zero() {
        segment.fill((byte) 0);
        return this;
    }

    public Tensor fill(double value) {
        if (value == 0.0 && Double.doubleToRawLongBits(value) == 0) {
            return zero();
        }
        for (long i = 0; i < size; i++) {
            set(i, value);
        }
        return this;
    }

    public Tensor copyFrom(float[] values) {
        requireDType(DType.F32, "copyFrom(float[])");
        requireLength(values.length);
        MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_FLOAT, 0, values.length);
        return this;
    }

    public Tensor copyFrom(double[] values) {
        requireDType(DType.F64, "copyFrom(double[])");
        requireLength(values.length);
        MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_DOUBLE, 0, values.length);
        return this;
    }

    public Tensor copyFrom(Tensor source) {
        if (source.dtype != dtype || source.size != size) {
            throw new IllegalArgumentException("cannot copy " + source.dtype + " " + source.shapeString() + " into "
                    + dtype + " " + shapeString());
        }
        MemorySegment.copy(source.segment, 0, segment, 0, byteSize());
        return this;
    }

    public float[] toFloatArray() {
        requireDType(DType.F32, "toFloatArray()");
        return segment.toArray(ValueLayout.JAVA_FLOAT);
    }

    public double[] toDoubleArray() {
        requireDType(DType.F64, "toDoubleArray()");
        return segment.toArray(ValueLayout.JAVA_DOUBLE);
    }

    private void requireDType(DType expected, String operation) {
        if (dtype != expected) {
            throw new IllegalArgumentException(operation + " needs a " + expected + " tensor, this one is " + dtype
                    + " " + shapeString());
        }
    }

    private void requireLength(int length) {
        if (length != size) {
            throw new IllegalArgumentException("array of " + length + " values does not fit tensor of shape "
                    + shapeString() + " (" + size + " elements)");
        }
    }

    /** Shape, dtype and the first few values: enough to recognise a tensor in a log line. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Tensor[").append(dtype).append(' ').append(shapeString());
        if (!isAlive()) {
            return s.append(", arena closed]").toString();
        }
        s.append(": ");
        long shown = Math.min(size, 6);
        for (long i = 0; i < shown; i++) {
            s.append(i == 0 ? "" : ", ").append((float) get(i));
        }
        return s.append(size > shown ? ", ...]" : "]").toString();
    }
}
