package dev.gatun.blas;

import java.lang.foreign.SymbolLookup;
import java.util.List;

/**
 * The CBLAS functions the bindings call, checked in the library itself when it loads: a missing one would otherwise
 * surface as a NoClassDefFoundError in whichever product first needs it.
 */
final class CblasSymbols {
    /** Everything {@code NativeBlas} calls through {@code cblas_h}, the matrix product first. */
    static final List<String> REQUIRED = List.of("cblas_sgemm", "cblas_dgemm", "cblas_sgemv", "cblas_dgemv",
            "cblas_saxpy", "cblas_daxpy", "cblas_sscal", "cblas_dscal", "cblas_sdot", "cblas_ddot");

    private CblasSymbols() {}

    /** Returns if {@code symbols} has every required function; else throws naming {@code library} and what it lacks. */
    static void requireAll(SymbolLookup symbols, String library) {
        List<String> missing = REQUIRED.stream().filter(name -> symbols.find(name).isEmpty()).toList();
        if (missing.isEmpty()) {
            return;
        }
        String what = missing.size() == REQUIRED.size()
                ? "is not a CBLAS library: it does not export " + missing.getFirst() + " nor any other CBLAS function "
                        + "Gatun calls"
                : "lacks the CBLAS function " + missing.getFirst() + (missing.size() > 1 ? " (and " + missing.subList(1,
                        missing.size()) + ")" : "") + " that Gatun calls";
        throw new BlasUnavailableException("the library " + library + " " + what + ". " + BlasLibrary.howToFix(), null);
    }
}
