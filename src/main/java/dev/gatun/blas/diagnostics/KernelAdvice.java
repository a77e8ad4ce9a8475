package dev.gatun.blas.diagnostics;

import dev.gatun.blas.BlasInfo;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Says when the BLAS runs narrower kernels than the CPU offers, and exactly what to set to get the wider ones:
 * {@code OPENBLAS_CORETYPE} for OpenBLAS, {@code BLIS_ARCH_TYPE} for BLIS (whose 0.9 release runs its generic C
 * kernels on CPUs newer than its table). Gatun never changes the choice itself: an explicit setting may be there for
 * a reason (older OpenBLAS builds computed wrong results on some CPUs), so the advice names the variable and what it
 * is now.
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
     * The SIMD level of a BLIS architecture ({@code bli_arch_string(bli_arch_query_id())}); its generic kernels are
     * plain C, counted as the SSE2 every x86-64 CPU has. UNKNOWN for names this table does not know (ARM, POWER).
     */
    public static SimdLevel blisKernels(String arch) {
        String name = arch == null ? "" : arch.strip().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "skx", "knl", "zen4" -> SimdLevel.AVX512;
            case "haswell", "zen", "zen2", "zen3" -> SimdLevel.AVX2;
            case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator" -> SimdLevel.AVX;
            case "penryn", "generic" -> SimdLevel.SSE;
            default -> SimdLevel.UNKNOWN;
        };
    }

    /** The SIMD level of the kernels a library reports, by its family; UNKNOWN for libraries that cannot say. */
    public static SimdLevel kernelsOf(BlasInfo info) {
        return switch (info.backend()) {
            case "openblas" -> openBlasKernels(info.coreName());
            case "blis" -> blisKernels(info.coreName());
            default -> SimdLevel.UNKNOWN;
        };
    }

    /**
     * Advice for {@code info} on a CPU with {@code cpu}'s features, given the environment it runs in; empty when
     * the kernels match the CPU, either is unknown, or the library has no setting that selects others.
     */
    public static Optional<Advice> forLibrary(BlasInfo info, CpuFeatures cpu, Map<String, String> environment) {
        SimdLevel kernels = kernelsOf(info);
        SimdLevel offered = cpu.simd();
        if (!kernels.below(offered)) {
            return Optional.empty();
        }
        boolean blis = info.backend().equals("blis");
        String variable = blis ? "BLIS_ARCH_TYPE" : "OPENBLAS_CORETYPE";
        String target = switch (offered) {
            case AVX512 -> blis ? "skx" : "SkylakeX";
            case AVX2 -> blis ? "haswell" : "Haswell";
            case AVX -> blis ? "sandybridge" : "Sandybridge";
            default -> null;
        };
        if (target == null) {
            return Optional.empty();
        }
        String value = blis ? blisArchType(info.config(), target) : target;
        String library = blis ? "BLIS" : "OpenBLAS";
        String now = environment.get(variable);
        String why = now != null
                ? variable + "=" + now + " is set in this environment and selects them"
                : "this " + library + " build does not pick them on its own";
        String setting = variable + "=" + value + (value.equals(target) ? "" : " (" + target + "; " + info.config()
                + " reads the architecture's number)");
        String message = library + " runs its " + info.coreName() + " (" + kernels + ") kernels on a CPU with " + offered
                + " (" + why + "); " + setting + " selects the " + offered + " kernels: try it with "
                + "'gatun info --blas-check', which measures both and checks the faster one's results";
        return Optional.of(new Advice(variable, value, kernels, offered, message));
    }

    /**
     * BLIS 0.9 reads {@code BLIS_ARCH_TYPE} as a number, its {@code arch_t} index (any name reads as 0, which is
     * skx); this is that release's order. Other releases get the name: whether they read it, {@code --blas-check}
     * shows, since its child JVM reports the architecture it ran.
     */
    private static final List<String> BLIS_0_9_ARCHS = List.of("skx", "knl", "knc", "haswell", "sandybridge", "penryn",
            "zen3", "zen2", "zen", "excavator", "steamroller", "piledriver", "bulldozer");

    static String blisArchType(String version, String arch) {
        return version != null && version.startsWith("BLIS 0.9") && BLIS_0_9_ARCHS.contains(arch)
                ? Integer.toString(BLIS_0_9_ARCHS.indexOf(arch)) : arch;
    }
}
