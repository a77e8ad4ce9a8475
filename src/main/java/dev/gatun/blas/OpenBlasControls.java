package dev.gatun.blas;

import dev.gatun.bindings.openblas.cblas_h;

import java.lang.foreign.SymbolLookup;

/** OpenBLAS: {@code openblas_get_config}, {@code openblas_get_corename} and its thread calls, each where present. */
final class OpenBlasControls implements LibraryControls {
    private final boolean hasConfig;
    private final boolean hasCoreName;
    private final ThreadCount threads;

    OpenBlasControls(SymbolLookup library) {
        hasConfig = library.find("openblas_get_config").isPresent();
        hasCoreName = library.find("openblas_get_corename").isPresent();
        threads = library.find("openblas_set_num_threads").isPresent()
                && library.find("openblas_get_num_threads").isPresent()
                ? new ThreadCount(cblas_h::openblas_get_num_threads, cblas_h::openblas_set_num_threads,
                        "openblas_set_num_threads (default: the cores, or OPENBLAS_NUM_THREADS)", true)
                : new EnvironmentThreads("OpenBLAS", "OPENBLAS_NUM_THREADS").count();
    }

    @Override
    public String family() {
        return "openblas";
    }

    @Override
    public String version() {
        return hasConfig ? LibraryControls.cString(cblas_h.openblas_get_config()) : "OpenBLAS (no openblas_get_config)";
    }

    @Override
    public String kernels() {
        return hasCoreName ? LibraryControls.cString(cblas_h.openblas_get_corename()) : "unknown";
    }

    @Override
    public ThreadCount threads() {
        return threads;
    }
}
