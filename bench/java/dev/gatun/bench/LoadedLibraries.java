package dev.gatun.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The BLAS library files this process has mapped, from /proc/self/maps: so a peer that loads its own library
 * (bytedeco, netlib's JNIBLAS) says which file it really calls, in a line bench/gemm-report reads from JMH's output.
 */
final class LoadedLibraries {
    static final String MARK = "gemm-bench: loaded ";

    private LoadedLibraries() {}

    static List<String> blas() {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.map(line -> line.indexOf('/') < 0 ? "" : line.substring(line.indexOf('/')))
                    .filter(path -> path.matches(".*/lib[^/]*(blas|blis)[^/]*\\.so[^/]*"))
                    .distinct().toList();
        } catch (IOException e) {
            return List.of("(unknown: " + e.getMessage() + ")");
        }
    }

    /** Prints one line naming the path and the BLAS files mapped now. */
    static void report(String path) {
        System.out.println(MARK + path + " " + String.join(" ", blas()));
    }
}
