package dev.gatun.blas;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds and loads the system OpenBLAS so the jextract bindings (which look symbols up in this class loader's
 * libraries) can resolve it. Order: system property {@code gatun.openblas}, env {@code GATUN_OPENBLAS}, then
 * {@code libopenblas.so.0} in the usual library directories. Never falls back to something slower on its own.
 */
final class OpenBlasLibrary {
    static final String PROPERTY = "gatun.openblas";
    static final String ENV = "GATUN_OPENBLAS";
    static final String SONAME = "libopenblas.so.0";

    private OpenBlasLibrary() {}

    /** Loads the library and returns the path it came from, or throws one actionable exception. */
    static Path load() {
        String explicit = System.getProperty(PROPERTY);
        String source = "-D" + PROPERTY;
        if (explicit == null || explicit.isBlank()) {
            explicit = System.getenv(ENV);
            source = ENV;
        }
        if (explicit != null && !explicit.isBlank()) {
            // The user named a library: use exactly that one, or say why it failed; searching elsewhere would hide the mistake.
            Path path = Path.of(explicit).toAbsolutePath();
            try {
                System.load(path.toString());
                return path;
            } catch (UnsatisfiedLinkError e) {
                throw new BlasUnavailableException("OpenBLAS named by " + source + "=" + explicit
                        + " could not be loaded: " + e.getMessage() + ". " + howToFix(), e);
            }
        }
        List<String> failures = new ArrayList<>();
        for (Path candidate : candidates()) {
            if (!Files.exists(candidate)) {
                continue;
            }
            try {
                System.load(candidate.toString());
                return candidate;
            } catch (UnsatisfiedLinkError e) {
                failures.add(candidate + " (" + e.getMessage() + ")");
            }
        }
        throw new BlasUnavailableException("OpenBLAS (" + SONAME + ") was not found"
                + (failures.isEmpty() ? " in " + searchDirectories() : "; these failed to load: " + failures)
                + ". " + howToFix(), null);
    }

    static String howToFix() {
        return "Install it with 'apt-get install libopenblas0-pthread', or point Gatun at a library with -D"
                + PROPERTY + "=/path/to/libopenblas.so.0 or " + ENV + "=/path/to/libopenblas.so.0";
    }

    private static List<Path> candidates() {
        return searchDirectories().stream().map(dir -> dir.resolve(SONAME)).toList();
    }

    private static List<Path> searchDirectories() {
        Set<Path> dirs = new LinkedHashSet<>();
        addPathList(dirs, System.getenv("LD_LIBRARY_PATH"));
        addPathList(dirs, System.getProperty("java.library.path"));
        for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
                "/usr/lib", "/usr/local/lib", "/opt/OpenBLAS/lib")) {
            dirs.add(Path.of(dir));
        }
        return List.copyOf(dirs);
    }

    private static void addPathList(Set<Path> dirs, String pathList) {
        if (pathList == null) {
            return;
        }
        for (String entry : pathList.split(":")) {
            if (!entry.isBlank()) {
                dirs.add(Path.of(entry));
            }
        }
    }
}
