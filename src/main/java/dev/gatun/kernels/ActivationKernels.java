package dev.gatun.kernels;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Activations forward and backward. The forward is fused with the bias add ({@code A = g(Z + b)}: one read of Z,
 * one write of A, right after the layer's sgemm); the backward fuses the derivative into dZ
 * ({@code dZ = dA ⊙ g'(A)}), computed from A so Z need not be kept. Outputs may be their inputs (in place).
 * Each kernel has a scalar twin ({@code scalar...}) that computes in double through {@link Tensor#get}: the
 * tests' oracle and the fallback when the Vector API is absent.
 */
public final class ActivationKernels {
    private ActivationKernels() {}

    /** {@code A = g(Z + b)}, b (one value per column) broadcast over the rows. */
    public static void biasActivation(Activation g, Tensor Z, Tensor b, Tensor A) {
        checkBias(g, Z, b, A);
        if (!Vectorization.ENABLED) {
            scalarAffine(g, Z, b, A);
        } else if (Z.dtype() == DType.F32) {
            F32.affine(g, Z.segment(), b.segment(), A.segment(), Z.rows(), Z.cols());
        } else {
            F64.affine(g, Z.segment(), b.segment(), A.segment(), Z.rows(), Z.cols());
        }
    }

    public static void scalarBiasActivation(Activation g, Tensor Z, Tensor b, Tensor A) {
        checkBias(g, Z, b, A);
        scalarAffine(g, Z, b, A);
    }

    /** {@code A = g(Z)} elementwise. */
    public static void activate(Activation g, Tensor Z, Tensor A) {
        checkForward("activate", g, Z, A);
        if (!Vectorization.ENABLED) {
            scalarAffine(g, Z, null, A);
        } else if (Z.dtype() == DType.F32) {
            F32.affine(g, Z.segment(), null, A.segment(), 1, Z.size());
        } else {
            F64.affine(g, Z.segment(), null, A.segment(), 1, Z.size());
        }
    }

    public static void scalarActivate(Activation g, Tensor Z, Tensor A) {
        checkForward("activate", g, Z, A);
        scalarAffine(g, Z, null, A);
    }

    /** {@code dZ = dA ⊙ g'(Z)}, with g' taken from the layer's output {@code A = g(Z)}. dZ may be dA. */
    public static void activationBackward(Activation g, Tensor dA, Tensor A, Tensor dZ) {
        checkBackward(g, dA, A, dZ);
        if (!Vectorization.ENABLED) {
            scalarBackward(g, dA, A, dZ, 0);
        } else if (dA.dtype() == DType.F32) {
            scalarBackward(g, dA, A, dZ, F32.backward(g, dA.segment(), A.segment(), dZ.segment(), dA.size()));
        } else {
            scalarBackward(g, dA, A, dZ, F64.backward(g, dA.segment(), A.segment(), dZ.segment(), dA.size()));
        }
    }

    public static void scalarActivationBackward(Activation g, Tensor dA, Tensor A, Tensor dZ) {
        checkBackward(g, dA, A, dZ);
        scalarBackward(g, dA, A, dZ, 0);
    }

    private static void checkForward(String op, Activation g, Tensor Z, Tensor A) {
        if (g == null) {
            throw new IllegalArgumentException(op + ": activation is null");
        }
        Check.usable(op, "Z", Z);
        Check.like(op, Z, "Z", A, "A");
        Check.sameOrDisjoint(op, A, "A", Z, "Z");
    }

    private static void checkBias(Activation g, Tensor Z, Tensor b, Tensor A) {
        checkForward("biasActivation", g, Z, A);
        Check.perColumn("biasActivation", Z, "Z", b, "b");
    }

    private static void checkBackward(Activation g, Tensor dA, Tensor A, Tensor dZ) {
        String op = "activationBackward";
        if (g == null) {
            throw new IllegalArgumentException(op + ": activation is null");
        }
        Check.usable(op, "dA", dA);
        Check.like(op, dA, "dA", A, "A");
        Check.like(op, dA, "dA", dZ, "dZ");
        Check.sameOrDisjoint(op, dZ, "dZ", dA, "dA");
        Check.sameOrDisjoint(op, dZ, "dZ", A, "A");
    }

    private static void scalarAffine(Activation g, Tensor Z, Tensor b, Tensor A) {
        long rows = b == null ? 1 : Z.rows();
        long cols = b == null ? Z.size() : Z.cols();
        for (long i = 0; i < rows; i++) {
            for (long j = 0; j < cols; j++) {
                long k = i * cols + j;
                A.set(k, g.apply(Z.get(k) + (b == null ? 0.0 : b.get(j))));
            }
        }
    }

    /** The twin, and the vector bodies' scalar tail from index {@code from}. */
    private static void scalarBackward(Activation g, Tensor dA, Tensor A, Tensor dZ, long from) {
        for (long k = from; k < dA.size(); k++) {
            dZ.set(k, dA.get(k) * g.derivativeFromOutput(A.get(k)));
        }
    }

    static final class F32 {
        private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Float.BYTES;

        private F32() {}

        /** g(z) on a vector, by family (see {@link Activation}). */
        static FloatVector apply(Activation g, FloatVector z) {
            if (g.logistic) {
                FloatVector e = z.mul((float) -g.steepness).lanewise(VectorOperators.EXP);
                return FloatVector.broadcast(S, (float) g.scale).div(e.add(1f)).add((float) g.offset);
            }
            return z.blend(z.mul((float) g.slope), z.compare(VectorOperators.LE, 0f));
        }

        /** dA ⊙ g' with g' from the output a. */
        static FloatVector derivativeTimes(Activation g, FloatVector dA, FloatVector a) {
            if (g.logistic) {
                float offset = (float) g.offset;
                return dA.mul((float) (g.steepness / g.scale)).mul(a.sub(offset))
                        .mul(FloatVector.broadcast(S, (float) (g.scale + g.offset)).sub(a));
            }
            return dA.blend(dA.mul((float) g.slope), a.compare(VectorOperators.LE, 0f));
        }

        /** a[i, j] = g(z[i, j] + shift[j]), shift optional; rows of any length, the last vector of a row masked. */
        static void affine(Activation g, MemorySegment z, MemorySegment shift, MemorySegment a, long rows, long cols) {
            long bound = S.loopBound(cols);
            for (long i = 0; i < rows; i++) {
                long row = i * cols * BYTES;
                long j = 0;
                for (; j < bound; j += S.length()) {
                    FloatVector v = FloatVector.fromMemorySegment(S, z, row + j * BYTES, O);
                    if (shift != null) {
                        v = v.add(FloatVector.fromMemorySegment(S, shift, j * BYTES, O));
                    }
                    apply(g, v).intoMemorySegment(a, row + j * BYTES, O);
                }
                if (j < cols) {
                    VectorMask<Float> tail = S.indexInRange(j, cols);
                    FloatVector v = FloatVector.fromMemorySegment(S, z, row + j * BYTES, O, tail);
                    if (shift != null) {
                        v = v.add(FloatVector.fromMemorySegment(S, shift, j * BYTES, O, tail));
                    }
                    apply(g, v).intoMemorySegment(a, row + j * BYTES, O, tail);
                }
            }
        }

        /** Whole vectors only; returns where the scalar tail starts. */
        static long backward(Activation g, MemorySegment dA, MemorySegment a, MemorySegment dZ, long n) {
            long bound = S.loopBound(n);
            for (long i = 0; i < bound; i += S.length()) {
                long off = i * BYTES;
                derivativeTimes(g, FloatVector.fromMemorySegment(S, dA, off, O), FloatVector.fromMemorySegment(S, a, off, O))
                        .intoMemorySegment(dZ, off, O);
            }
            return bound;
        }
    }

    static final class F64 {
        private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
        private static final ByteOrder O = ByteOrder.nativeOrder();
        private static final long BYTES = Double.BYTES;

        private F64() {}

        static DoubleVector apply(Activation g, DoubleVector z) {
            if (g.logistic) {
                DoubleVector e = z.mul(-g.steepness).lanewise(VectorOperators.EXP);
                return DoubleVector.broadcast(S, g.scale).div(e.add(1.0)).add(g.offset);
            }
            return z.blend(z.mul(g.slope), z.compare(VectorOperators.LE, 0.0));
        }

        static DoubleVector derivativeTimes(Activation g, DoubleVector dA, DoubleVector a) {
            if (g.logistic) {
                return dA.mul(g.steepness / g.scale).mul(a.sub(g.offset))
                        .mul(DoubleVector.broadcast(S, g.scale + g.offset).sub(a));
            }
            return dA.blend(dA.mul(g.slope), a.compare(VectorOperators.LE, 0.0));
        }

        static void affine(Activation g, MemorySegment z, MemorySegment shift, MemorySegment a, long rows, long cols) {
            long bound = S.loopBound(cols);
            for (long i = 0; i < rows; i++) {
                long row = i * cols * BYTES;
                long j = 0;
                for (; j < bound; j += S.length()) {
                    DoubleVector v = DoubleVector.fromMemorySegment(S, z, row + j * BYTES, O);
                    if (shift != null) {
                        v = v.add(DoubleVector.fromMemorySegment(S, shift, j * BYTES, O));
                    }
                    apply(g, v).intoMemorySegment(a, row + j * BYTES, O);
                }
                if (j < cols) {
                    VectorMask<Double> tail = S.indexInRange(j, cols);
                    DoubleVector v = DoubleVector.fromMemorySegment(S, z, row + j * BYTES, O, tail);
                    if (shift != null) {
                        v = v.add(DoubleVector.fromMemorySegment(S, shift, j * BYTES, O, tail));
                    }
                    apply(g, v).intoMemorySegment(a, row + j * BYTES, O, tail);
                }
            }
        }

        static long backward(Activation g, MemorySegment dA, MemorySegment a, MemorySegment dZ, long n) {
            long bound = S.loopBound(n);
            for (long i = 0; i < bound; i += S.length()) {
                long off = i * BYTES;
                derivativeTimes(g, DoubleVector.fromMemorySegment(S, dA, off, O), DoubleVector.fromMemorySegment(S, a, off, O))
                        .intoMemorySegment(dZ, off, O);
            }
            return bound;
        }
    }
}
