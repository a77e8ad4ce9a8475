package dev.gatun.blas;

import dev.gatun.bindings.openblas.cblas_h;

import java.lang.foreign.SymbolLookup;

/** OpenBLAS: {@code openblas_get_config}, {@code openblas_get_corename} and its thread calls, each where present. */
final class OpenBlasControls implements LibraryControls {
    private final boolean hasConfig;
    private final boolean hasCoreName;
    private final boolean hasThreadCalls;
    private final EnvironmentThreads environment = new EnvironmentThreads("OpenBLAS", "OPENBLAS_NUM_THREADS");

    OpenBlasControls(SymbolLookup library) {
        hasConfig = library.find("openblas_get_config").isPresent();
        hasCoreName = library.find("openblas_get_corename").isPresent();
        hasThreadCalls = library.find("openblas_set_num_threads").isPresent()
                && library.find("openblas_get_num_threads").isPresent();
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
    public int threads() {
        return hasThreadCalls ? cblas_h.openblas_get_num_threads() : environment.threads();
    }

    @Override
    public void setThreads(int threads) {
        if (hasThreadCalls) {
            cblas_h.openblas_set_num_threads(threads);
        } else {
            environment.setThreads(threads);
        }
    }

    @Override
    public String threadControl() {
        return hasThreadCalls ? "openblas_set_num_threads (default: the cores, or OPENBLAS_NUM_THREADS)"
                : environment.describe();
    }
}
