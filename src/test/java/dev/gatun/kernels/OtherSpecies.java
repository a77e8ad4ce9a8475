package dev.gatun.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Test support: runs the Vector API's methods on every float and int species, so that the type profiles HotSpot keeps
 * inside those methods (one per method, for the whole JVM) list vector classes other than the one the kernels use.
 * A process that also runs other vector code, a library's or an earlier test's, has such profiles; C2 reads them when
 * it compiles a kernel, and a kernel method whose receiver C2 cannot type exactly then stays a call, which boxes its
 * vectors.
 */
public final class OtherSpecies {
    private static final List<VectorSpecies<Float>> FLOATS = List.of(FloatVector.SPECIES_64, FloatVector.SPECIES_128,
            FloatVector.SPECIES_256, FloatVector.SPECIES_512, FloatVector.SPECIES_MAX);
    private static final List<VectorSpecies<Integer>> INTS = List.of(IntVector.SPECIES_64, IntVector.SPECIES_128,
            IntVector.SPECIES_256, IntVector.SPECIES_512, IntVector.SPECIES_MAX);
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private OtherSpecies() {}

    /** Enough calls of each method, on each species, for the interpreter and C1 to record them; returns a checksum. */
    public static double run(int rounds) {
        double sink = 0;
        float[] array = new float[16];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment memory = arena.allocate(64, 64);
            for (int r = 0; r < rounds; r++) {
                for (VectorSpecies<Float> s : FLOATS) {
                    FloatVector x = FloatVector.fromArray(s, array, 0);
                    FloatVector m = FloatVector.fromMemorySegment(s, memory, 0, ORDER);
                    FloatVector y = x.add(m).sub(x).mul(m).div(x.add(1f)).max(x).min(m).abs().neg().sqrt()
                            .fma(x, m).mul(2f).sub(1f).max(0f).min(1f).div(2f);
                    y = y.blend(x, y.compare(VectorOperators.LT, 0f)).blend(1f, y.compare(VectorOperators.GT, 1f));
                    y.intoArray(array, 0);
                    y.intoMemorySegment(memory, 0, ORDER);
                    sink += y.reduceLanes(VectorOperators.ADD) + y.lanewise(VectorOperators.EXP).lane(0)
                            + y.lanewise(VectorOperators.LOG1P).reduceLanes(VectorOperators.MAX);
                }
                for (VectorSpecies<Integer> s : INTS) {
                    IntVector h = IntVector.zero(s).addIndex(1).add(r).lanewise(VectorOperators.XOR, 7);
                    h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 3)).mul(31);
                    sink += h.compare(VectorOperators.LT, 5).trueCount();
                }
            }
        }
        return sink;
    }
}
