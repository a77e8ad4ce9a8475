package dev.gatun.blas.diagnostics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/** The CPU's instruction-set flags as Linux reports them ({@code /proc/cpuinfo}), and the widest SIMD they allow. */
public record CpuFeatures(Set<String> flags) {
    public CpuFeatures {
        flags = Set.copyOf(flags);
    }

    /** This machine's flags; none (so {@link SimdLevel#UNKNOWN}) where {@code /proc/cpuinfo} cannot be read. */
    public static CpuFeatures ofThisMachine() {
        try {
            return parse(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return new CpuFeatures(Set.of());
        }
    }

    /** The flags of the first processor listed in a {@code /proc/cpuinfo} text. */
    public static CpuFeatures parse(String cpuinfo) {
        Set<String> flags = new TreeSet<>();
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("flags") && line.contains(":")) {
                flags.addAll(Arrays.asList(line.substring(line.indexOf(':') + 1).strip().split("\\s+")));
                break;
            }
        }
        flags.remove("");
        return new CpuFeatures(flags);
    }

    /** The widest vector instructions every core of this CPU can run. */
    public SimdLevel simd() {
        if (flags.containsAll(Set.of("avx512f", "avx512bw", "avx512dq", "avx512vl"))) {
            return SimdLevel.AVX512;
        }
        if (flags.containsAll(Set.of("avx2", "fma"))) {
            return SimdLevel.AVX2;
        }
        if (flags.contains("avx")) {
            return SimdLevel.AVX;
        }
        if (flags.contains("sse2")) {
            return SimdLevel.SSE;
        }
        return SimdLevel.UNKNOWN;
    }
}
