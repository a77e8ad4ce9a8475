package dev.gatun.blas;

import dev.gatun.tensor.Tensor;

/**
 * The checks every BLAS call passes before it may reach native code: a violation here is an exception;
 * the same violation past this point would be a SIGSEGV or silent garbage.
 */
final class BlasArguments {
    private BlasArguments() {}

    /** Non-null, alive, native, and the segment really holds the tensor's elements. */
    static void requireUsable(String op, String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        if (!t.isAlive()) {
            throw new IllegalStateException(op + ": " + name + " " + t.shapeString() + " lives in an arena that is already closed");
        }
        if (!t.segment().isNative()) {
            throw new IllegalArgumentException(op + ": " + name + " " + t.shapeString()
                    + " is backed by a Java heap array; native BLAS needs off-heap memory (Tensor.allocate)");
        }
        if (t.segment().byteSize() < t.byteSize()) {
            throw new IllegalArgumentException(op + ": " + name + "'s segment holds " + t.segment().byteSize()
                    + " bytes, shape " + t.shapeString() + " needs " + t.byteSize());
        }
    }

    static void requireMatrix(String op, String name, Tensor t) {
        requireUsable(op, name, t);
        if (t.rank() != 2) {
            throw new IllegalArgumentException(op + ": " + name + " must be a matrix (rank 2), got shape " + t.shapeString());
        }
        requireBlasInt(op, name, t.dim(0));
        requireBlasInt(op, name, t.dim(1));
    }

    static void requireVector(String op, String name, Tensor t, long length, String lengthOrigin) {
        requireUsable(op, name, t);
        if (t.size() != length) {
            throw new IllegalArgumentException(op + ": " + name + " has shape " + t.shapeString() + " (" + t.size()
                    + " elements) but " + lengthOrigin + " needs " + length);
        }
        requireBlasInt(op, name, length);
    }

    static void requireSameDType(String op, Tensor first, String firstName, Tensor other, String otherName) {
        if (first.dtype() != other.dtype()) {
            throw new IllegalArgumentException(op + ": mixed dtypes: " + firstName + " is " + first.dtype() + " "
                    + first.shapeString() + ", " + otherName + " is " + other.dtype() + " " + other.shapeString());
        }
    }

    /** OpenBLAS's default build takes 32-bit sizes (blasint = int). */
    static void requireBlasInt(String op, String name, long value) {
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + name + " has a dimension of " + value
                    + ", above the 2^31-1 that 32-bit BLAS accepts");
        }
    }

    /** BLAS reads its inputs while it writes its output: overlapping memory gives garbage without any error. */
    static void requireDisjoint(String op, Tensor output, String outputName, Tensor input, String inputName) {
        long outStart = output.segment().address();
        long outEnd = outStart + output.byteSize();
        long inStart = input.segment().address();
        long inEnd = inStart + input.byteSize();
        if (outStart < inEnd && inStart < outEnd) {
            throw new IllegalArgumentException(op + ": output " + outputName + " " + output.shapeString()
                    + " overlaps input " + inputName + " " + input.shapeString() + " in memory");
        }
    }

    static String opShape(Tensor t, boolean transposed) {
        return transposed ? t.shapeString() + " transposed" : t.shapeString();
    }
}
