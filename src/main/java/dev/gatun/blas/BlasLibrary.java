package dev.gatun.blas;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds and loads the one CBLAS library this process uses, so the jextract bindings (which look symbols up in this
 * class loader's libraries) resolve to it, and checks that it exports every CBLAS function Gatun calls.
 *
 * <p>Order: {@code -Dgatun.blas.library}, env {@code GATUN_BLAS_LIBRARY}, then the older {@code -Dgatun.openblas} and
 * {@code GATUN_OPENBLAS}; each takes a path or a name ({@code blis}, {@code libblis.so.4}: looked for as itself,
 * {@code lib<name>.so} and {@code lib<name>.so.<version>} in the library directories). Without any of them:
 * {@code libopenblas.so.0} in those directories. A named library is used or refused, never swapped for another.
 */
final class BlasLibrary {
    static final String PROPERTY = Blas.LIBRARY_PROPERTY;
    static final String ENV = "GATUN_BLAS_LIBRARY";
    static final String OPENBLAS_PROPERTY = "gatun.openblas";
    static final String OPENBLAS_ENV = "GATUN_OPENBLAS";
    static final String DEFAULT_SONAME = "libopenblas.so.0";

    /** A loaded library: where it came from, and a lookup of its own symbols (and its dependencies'). */
    record Loaded(Path path, SymbolLookup symbols) {}

    private BlasLibrary() {}

    /** Loads the named library (else the system's OpenBLAS) and checks its symbols, or throws one actionable exception. */
    static Loaded load() {
        Optional<String[]> named = named();
        if (named.isPresent()) {
            String source = named.get()[0];
            String value = named.get()[1];
            Path path = resolve(value).orElseThrow(() -> new BlasUnavailableException("the BLAS library named by "
                    + source + "=" + value + " was not found" + (value.contains("/") ? "" : " in " + searchDirectories()
                    + " (as " + value + ", lib" + value + ".so or lib" + value + ".so.N)") + ". " + howToFix(), null));
            return open(path, source + "=" + value);
        }
        List<String> failures = new ArrayList<>();
        for (Path dir : searchDirectories()) {
            Path candidate = dir.resolve(DEFAULT_SONAME);
            if (!Files.exists(candidate)) {
                continue;
            }
            try {
                return open(candidate, "the system's OpenBLAS");
            } catch (BlasUnavailableException e) {
                if (ownedByAnotherLoader(e.getCause())) {
                    throw e;   // found, and usable, but not from here: "not found, install it" would mislead
                }
                failures.add(candidate + " (" + e.getMessage() + ")");
            }
        }
        throw new BlasUnavailableException("OpenBLAS (" + DEFAULT_SONAME + ") was not found"
                + (failures.isEmpty() ? " in " + searchDirectories() : "; these failed to load: " + failures)
                + ". " + howToFix(), null);
    }

    /** Loads {@code path} into this class loader and checks that it is a CBLAS library. */
    static Loaded open(Path path, String origin) {
        String library = path.toString();
        try {
            System.load(library);
        } catch (UnsatisfiedLinkError e) {
            if (ownedByAnotherLoader(e)) {
                throw new BlasUnavailableException("the BLAS library " + library + " (" + origin + ") is already "
                        + "loaded by another class loader in this JVM (a second copy of Gatun, or another library "
                        + "that loaded the same file), and the JVM lets one class loader at a time use "
                        + "a native library (" + e.getMessage() + "). Load Gatun once, from a class loader every part "
                        + "of the application shares: an application server's shared library directory rather than "
                        + "each application's, or outside a development restart class loader (Spring DevTools: "
                        + "restart.exclude in META-INF/spring-devtools.properties; Quarkus dev mode: "
                        + "quarkus.class-loading.parent-first-artifacts). A discarded class loader gives the library "
                        + "back once it is garbage collected.", e);
            }
            throw new BlasUnavailableException("the BLAS library " + library + " (" + origin + ") could not be loaded: "
                    + e.getMessage() + ". " + howToFix(), e);
        }
        SymbolLookup symbols = SymbolLookup.libraryLookup(path, Arena.global());
        CblasSymbols.requireAll(symbols, library);
        return new Loaded(path, symbols);
    }

    /** The JVM's refusal to load a native library that another class loader has loaded (JNI's one-owner rule). */
    static boolean ownedByAnotherLoader(Throwable t) {
        return t instanceof UnsatisfiedLinkError && t.getMessage() != null
                && t.getMessage().contains("already loaded in another classloader");
    }

    static String howToFix() {
        return "Install OpenBLAS with 'apt-get install libopenblas0-pthread', or name a CBLAS library with -D"
                + PROPERTY + "=/path/to/library.so (or a name such as blis) or " + ENV + "=...";
    }

    /** The first setting that names a library, as {source, value}. */
    private static Optional<String[]> named() {
        String[][] settings = {{"-D" + PROPERTY, System.getProperty(PROPERTY)}, {ENV, System.getenv(ENV)},
                {"-D" + OPENBLAS_PROPERTY, System.getProperty(OPENBLAS_PROPERTY)}, {OPENBLAS_ENV, System.getenv(OPENBLAS_ENV)}};
        return Stream.of(settings).filter(s -> s[1] != null && !s[1].isBlank())
                .map(s -> new String[] {s[0], s[1].strip()}).findFirst();
    }

    /**
     * A value with a slash is a path; anything else a file name or a short name, looked for in the library
     * directories as itself, {@code lib<name>.so}, then the highest {@code lib<name>.so.<version>}.
     */
    static Optional<Path> resolve(String value) {
        if (value.contains("/")) {
            Path path = Path.of(value).toAbsolutePath();
            return Files.exists(path) ? Optional.of(path) : Optional.empty();
        }
        String shortName = value.startsWith("lib") ? value.substring(3).replaceFirst("\\.so.*$", "") : value;
        for (Path dir : searchDirectories()) {
            for (String file : List.of(value, "lib" + shortName + ".so")) {
                if (Files.exists(dir.resolve(file))) {
                    return Optional.of(dir.resolve(file));
                }
            }
            Optional<Path> versioned = versions(dir, "lib" + shortName + ".so.");
            if (versioned.isPresent()) {
                return versioned;
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> versions(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix)
                            && f.getFileName().toString().substring(prefix.length()).matches("[0-9.]+"))
                    .max(Comparator.comparing((Path f) -> f.getFileName().toString().length())
                            .thenComparing(f -> f.getFileName().toString()));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    static List<Path> searchDirectories() {
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
