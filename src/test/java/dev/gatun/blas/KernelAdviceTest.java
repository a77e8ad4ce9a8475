package dev.gatun.blas;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The detector of kernels narrower than the CPU, fed CPU flags and library reports (it never runs another kernel
 * set), and what it advises.
 */
class KernelAdviceTest {
    private static final String ZEN5 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse sse2 avx avx2 fma "
            + "avx512f avx512dq avx512bw avx512vl avx512_bf16\nbugs\t\t:\n\nprocessor\t: 1\nflags\t\t: fpu\n";
    private static final CpuFeatures AVX2_ONLY = new CpuFeatures(Set.of("sse2", "avx", "avx2", "fma"));

    private static BlasInfo openBlas(String core) {
        return new BlasInfo("openblas", "/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "OpenBLAS 0.3.21", core, 2);
    }

    @Test
    void cpuFlagsGiveTheWidestSimd() {
        CpuFeatures zen5 = CpuFeatures.parse(ZEN5);
        assertTrue(zen5.flags().contains("avx512_bf16"));
        assertFalse(zen5.flags().contains("bugs"), "only the first processor's flags line is read");
        assertEquals(SimdLevel.AVX512, zen5.simd());
        assertEquals(SimdLevel.AVX2, AVX2_ONLY.simd());
        assertEquals(SimdLevel.AVX2, new CpuFeatures(Set.of("avx512f", "avx2", "fma")).simd(),
                "AVX-512 F alone is not what the SkylakeX kernels need");
        assertEquals(SimdLevel.UNKNOWN, CpuFeatures.parse("processor : 0\nFeatures : fp asimd\n").simd());
    }

    @Test
    void haswellKernelsOnAnAvx512CpuAreNamedWithTheSettingThatFixesIt() {
        Optional<KernelAdvice.Advice> advice = KernelAdvice.forLibrary(openBlas("Haswell"), CpuFeatures.parse(ZEN5),
                Map.of("OPENBLAS_CORETYPE", "Haswell"));
        KernelAdvice.Advice a = advice.orElseThrow();
        assertEquals("OPENBLAS_CORETYPE", a.variable());
        assertEquals("SkylakeX", a.value());
        assertEquals(SimdLevel.AVX2, a.kernels());
        assertEquals(SimdLevel.AVX512, a.cpu());
        assertTrue(a.message().contains("OPENBLAS_CORETYPE=Haswell is set in this environment"), a.message());
        assertTrue(a.message().contains("OPENBLAS_CORETYPE=SkylakeX"), a.message());

        String unset = KernelAdvice.forLibrary(openBlas("Haswell"), CpuFeatures.parse(ZEN5), Map.of())
                .orElseThrow().message();
        assertTrue(unset.contains("does not pick them on its own"), unset);
    }

    @Test
    void matchingOrUnknownKernelsGiveNoAdvice() {
        assertTrue(KernelAdvice.forLibrary(openBlas("SkylakeX"), CpuFeatures.parse(ZEN5), Map.of()).isEmpty());
        assertTrue(KernelAdvice.forLibrary(openBlas("Haswell"), AVX2_ONLY, Map.of()).isEmpty());
        assertTrue(KernelAdvice.forLibrary(openBlas("SomethingNew"), CpuFeatures.parse(ZEN5), Map.of()).isEmpty());
        assertTrue(KernelAdvice.forLibrary(new BlasInfo("java", "-", "-", "-", 1), CpuFeatures.parse(ZEN5), Map.of())
                .isEmpty(), "the Java fallback has no kernel sets to choose");
        assertEquals(SimdLevel.AVX, KernelAdvice.openBlasKernels("SANDYBRIDGE"));
        assertEquals(SimdLevel.AVX512, KernelAdvice.openBlasKernels("cooperlake"));
    }

    @Test
    void theLoadedBlasMultipliesWithinTheCheckTolerance() {
        double error = GemmCheck.maxRelativeError();
        assertTrue(error < GemmCheck.TOLERANCE, "sgemm against the float64 reference: " + error);
    }
}
