package dev.gatun.blas;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Says when the BLAS runs narrower kernels than the CPU offers, and exactly what to set to get the wider ones.
 * Gatun never changes the choice itself: an explicit {@code OPENBLAS_CORETYPE} may be there for a reason (older
 * OpenBLAS builds computed wrong results on some CPUs), so the advice names the variable and what it is now.
 */
public final class KernelAdvice {
    private KernelAdvice() {}

    /** What to set, and the reason, for a library whose kernels are below the CPU's. */
    public record Advice(String variable, String value, SimdLevel kernels, SimdLevel cpu, String message) {}

    /**
     * The SIMD level of an OpenBLAS core name ({@code openblas_get_corename()}, lower case or not); UNKNOWN for
     * names this table does not know.
     */
    public static SimdLevel openBlasKernels(String coreName) {
        String core = coreName == null ? "" : coreName.strip().toLowerCase(Locale.ROOT);
        return switch (core) {
            case "skylakex", "cooperlake", "sapphirerapids" -> SimdLevel.AVX512;
            case "haswell", "zen", "skylake" -> SimdLevel.AVX2;
            case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator" -> SimdLevel.AVX;
            case "nehalem", "core2", "penryn", "dunnington", "atom", "prescott", "opteron", "barcelona", "bobcat" ->
                    SimdLevel.SSE;
            default -> SimdLevel.UNKNOWN;
        };
    }

    /**
     * Advice for {@code info} on a CPU with {@code cpu}'s features, given the environment it runs in; empty when
     * the kernels match the CPU or either is unknown.
     */
    public static Optional<Advice> forLibrary(BlasInfo info, CpuFeatures cpu, Map<String, String> environment) {
        if (!"openblas".equals(info.backend())) {
            return Optional.empty();
        }
        SimdLevel kernels = openBlasKernels(info.coreName());
        SimdLevel offered = cpu.simd();
        if (!kernels.below(offered)) {
            return Optional.empty();
        }
        String target = switch (offered) {
            case AVX512 -> "SkylakeX";
            case AVX2 -> "Haswell";
            case AVX -> "Sandybridge";
            default -> null;
        };
        if (target == null) {
            return Optional.empty();
        }
        String now = environment.get("OPENBLAS_CORETYPE");
        String why = now != null
                ? "OPENBLAS_CORETYPE=" + now + " is set in this environment and selects them"
                : "this OpenBLAS build does not pick them on its own";
        String message = "OpenBLAS runs its " + info.coreName() + " (" + kernels + ") kernels on a CPU with " + offered
                + " (" + why + "); OPENBLAS_CORETYPE=" + target + " selects the " + offered + " kernels: try it with "
                + "'gatun info --blas-check', which measures both and checks the faster one's results";
        return Optional.of(new Advice("OPENBLAS_CORETYPE", target, kernels, offered, message));
    }
}
