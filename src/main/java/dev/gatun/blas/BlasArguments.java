package dev.gatun.blas;

import dev.gatun.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * The checks every BLAS call passes before it may reach native code: a violation here is an exception;
 * the same violation past this point would be a SIGSEGV or silent garbage.
 *
 * <p>Two forms of the gemm checks: {@link #gemmHolds} answers "is everything in order?" with comparisons of
 * fields only (no strings, no calls that build messages, small enough for the JIT to inline into every caller),
 * and the {@code require*} methods, run only when it says no, find the first violation and throw the exception
 * that names it. The predicate must reject everything they reject; {@code BlasMisuseTest} checks it on every
 * misuse it knows.
 */
final class BlasArguments {
    private BlasArguments() {}

    /**
     * True when {@code C = op(A)·op(B)} may go to native code as it is: flags and operands non-null, each operand
     * alive, reachable from this thread, off-heap, a matrix whose segment holds its bytes and whose dimensions fit a
     * 32-bit BLAS int, one dtype, matching inner and outer dimensions, C writable and overlapping neither input.
     */
    static boolean gemmHolds(Transpose transA, Transpose transB, Tensor A, Tensor B, Tensor C) {
        if (transA == null || transB == null || !usableMatrix(A) || !usableMatrix(B) || !usableMatrix(C)) {
            return false;
        }
        boolean ta = transA == Transpose.TRANSPOSED;
        boolean tb = transB == Transpose.TRANSPOSED;
        return A.dtype() == B.dtype() && A.dtype() == C.dtype()
                && (ta ? A.dim(0) : A.dim(1)) == (tb ? B.dim(1) : B.dim(0))
                && C.dim(0) == (ta ? A.dim(1) : A.dim(0))
                && C.dim(1) == (tb ? B.dim(0) : B.dim(1))
                && !C.segment().isReadOnly() && disjoint(C, A) && disjoint(C, B);
    }

    /** {@link #requireMatrix}'s conditions as one expression; dimensions are never negative, so OR-ing them is exact. */
    private static boolean usableMatrix(Tensor t) {
        if (t == null || t.rank() != 2 || !t.isAlive()) {
            return false;
        }
        MemorySegment segment = t.segment();
        return segment.isNative() && segment.isAccessibleBy(Thread.currentThread())
                && segment.byteSize() >= t.byteSize() && (t.dim(0) | t.dim(1)) <= Integer.MAX_VALUE;
    }

    private static boolean disjoint(Tensor output, Tensor input) {
        long outStart = output.segment().address();
        long inStart = input.segment().address();
        return outStart + output.byteSize() <= inStart || inStart + input.byteSize() <= outStart;
    }

    /** Non-null, alive, native, and the segment really holds the tensor's elements. */
    static void requireUsable(String op, String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        if (!t.isAlive()) {
            throw new IllegalStateException(op + ": " + name + " " + t.shapeString() + " lives in an arena that is already closed");
        }
        if (!t.segment().isAccessibleBy(Thread.currentThread())) {
            // Named here: the JDK's WrongThreadException says only "Attempted access outside owning thread".
            throw new IllegalStateException(op + ": " + name + " " + t.shapeString() + " belongs to a confined arena of"
                    + " another thread");
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

    /**
     * Native code writes past Java's read-only flag: into a read-only view it writes anyway, and into a file mapped
     * READ_ONLY the JVM dies with SIGSEGV.
     */
    static void requireWritable(String op, String name, Tensor output) {
        if (output.segment().isReadOnly()) {
            throw new IllegalArgumentException(op + ": output " + name + " " + output.shapeString()
                    + " is read-only (a read-only view, or a file mapped READ_ONLY); give a writable tensor");
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
