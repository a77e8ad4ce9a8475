package dev.gatun.blas.diagnostics;

import dev.gatun.blas.BlasInfo;
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
        return new BlasInfo("openblas", "/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "OpenBLAS 0.3.21", core, 2,
                "openblas_set_num_threads");
    }

    private static BlasInfo blis(String arch) {
        return new BlasInfo("blis", "/usr/lib/x86_64-linux-gnu/libblis.so.4", "BLIS 0.9.0", arch, 1,
                "bli_thread_set_num_threads");
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
        assertTrue(KernelAdvice.forLibrary(new BlasInfo("java", "-", "-", "-", 1, "-"), CpuFeatures.parse(ZEN5), Map.of())
                .isEmpty(), "the Java fallback has no kernel sets to choose");
        assertEquals(SimdLevel.AVX, KernelAdvice.openBlasKernels("SANDYBRIDGE"));
        assertEquals(SimdLevel.AVX512, KernelAdvice.openBlasKernels("cooperlake"));
    }

    @Test
    void blisGenericKernelsOnAnAvx512CpuAreNamedWithBlisArchType() {
        KernelAdvice.Advice a = KernelAdvice.forLibrary(blis("generic"), CpuFeatures.parse(ZEN5), Map.of()).orElseThrow();
        assertEquals("BLIS_ARCH_TYPE", a.variable());
        assertEquals("0", a.value(), "BLIS 0.9 reads arch_t's index, and skx is 0");
        assertEquals(SimdLevel.SSE, a.kernels());
        assertEquals(SimdLevel.AVX512, a.cpu());
        assertTrue(a.message().startsWith("BLIS runs its generic (SSE) kernels"), a.message());
        assertTrue(a.message().contains("BLIS_ARCH_TYPE=0 (skx; BLIS 0.9.0 reads the architecture's number) selects "
                + "the AVX512 kernels"), a.message());

        String pinned = KernelAdvice.forLibrary(blis("haswell"), CpuFeatures.parse(ZEN5),
                Map.of("BLIS_ARCH_TYPE", "3")).orElseThrow().message();
        assertTrue(pinned.contains("BLIS_ARCH_TYPE=3 is set in this environment"), pinned);
        assertEquals("3", KernelAdvice.forLibrary(blis("generic"), AVX2_ONLY, Map.of()).orElseThrow().value(),
                "haswell is arch_t 3 in BLIS 0.9");
        BlasInfo later = new BlasInfo("blis", "/opt/blis/lib/libblis.so", "BLIS 1.0", "generic", 1, "-");
        assertEquals("skx", KernelAdvice.forLibrary(later, CpuFeatures.parse(ZEN5), Map.of()).orElseThrow().value());
    }

    @Test
    void blisKernelsThatMatchTheCpuOrALibraryThatCannotSayGiveNoAdvice() {
        assertTrue(KernelAdvice.forLibrary(blis("skx"), CpuFeatures.parse(ZEN5), Map.of()).isEmpty());
        assertTrue(KernelAdvice.forLibrary(blis("zen3"), AVX2_ONLY, Map.of()).isEmpty());
        assertTrue(KernelAdvice.forLibrary(blis("armsve"), CpuFeatures.parse(ZEN5), Map.of()).isEmpty());
        assertTrue(KernelAdvice.forLibrary(new BlasInfo("cblas", "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3",
                "unknown", "unknown", 0, "none"), CpuFeatures.parse(ZEN5), Map.of()).isEmpty(),
                "a library that names no kernels gets no advice");
        assertEquals(SimdLevel.AVX2, KernelAdvice.blisKernels("ZEN2"));
        assertEquals(SimdLevel.UNKNOWN, KernelAdvice.kernelsOf(new BlasInfo("cblas", "-", "-", "Haswell", 0, "-")),
                "a kernel name counts only for the family whose table it is in");
    }

    @Test
    void theLoadedBlasMultipliesWithinTheCheckTolerance() {
        double error = GemmCheck.maxRelativeError();
        assertTrue(error < GemmCheck.TOLERANCE, "sgemm against the float64 reference: " + error);
    }
}
