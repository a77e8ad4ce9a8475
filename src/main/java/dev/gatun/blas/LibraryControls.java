package dev.gatun.blas;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;

/**
 * What a CBLAS library says about itself beyond CBLAS, and how its thread count is set: each family has its own
 * calls (OpenBLAS's {@code openblas_*}, BLIS's {@code bli_*}), found by looking for them in the loaded library.
 * Every such call is optional: one the library lacks is never made.
 */
interface LibraryControls {
    /** "openblas", "blis", or "cblas" for a library of no family Gatun knows (the reference BLAS, for one). */
    String family();

    /** The library's version or build configuration string, or a sentence saying it has no call for one. */
    String version();

    /** The kernel set or architecture it runs (OpenBLAS's core name, BLIS's arch), or "unknown". */
    String kernels();

    /** How its thread count is read and set: its own calls where it has them, else its environment variable. */
    ThreadCount threads();

    /**
     * The controls of the library whose own symbols {@code library} looks up. It must be the library loaded for
     * the bindings ({@link BlasLibrary#load}): the controls call it through them.
     */
    static LibraryControls of(SymbolLookup library) {
        return switch (familyOf(library)) {
            case "openblas" -> new OpenBlasControls(library);
            case "blis" -> new BlisControls(library);
            default -> new PlainCblasControls();
        };
    }

    /** "openblas" or "blis" by the family's own symbols, else "cblas". */
    static String familyOf(SymbolLookup library) {
        if (library.find("openblas_get_config").isPresent() || library.find("openblas_set_num_threads").isPresent()) {
            return "openblas";
        }
        return library.find("bli_info_get_version_str").isPresent() ? "blis" : "cblas";
    }

    /** jextract types {@code char*} as a zero-length segment; widened here to read up to the terminating NUL. */
    static String cString(MemorySegment pointer) {
        return pointer.equals(MemorySegment.NULL) ? "" : pointer.reinterpret(4096).getString(0).strip();
    }
}
