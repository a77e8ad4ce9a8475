package dev.gatun.blas;

import dev.gatun.bindings.blis.blis_h;

import java.lang.foreign.SymbolLookup;

/**
 * BLIS: {@code bli_info_get_version_str}, the architecture it chose ({@code bli_arch_query_id} and
 * {@code bli_arch_string}; {@code BLIS_ARCH_TYPE} overrides the choice) and {@code bli_thread_set_num_threads},
 * each where present. Unset, BLIS's thread count reads -1 and it runs one thread.
 *
 * <p>{@code bli_init} runs first: BLIS 0.9 asked for its architecture before it has initialised (its CBLAS calls
 * do that on first use) aborts the process when {@code BLIS_ARCH_TYPE} is set, so without {@code bli_init} the
 * architecture is not asked for.
 */
final class BlisControls implements LibraryControls {
    private final boolean hasArch;
    private final ThreadCount threads;

    BlisControls(SymbolLookup library) {
        boolean initialised = library.find("bli_init").isPresent();
        if (initialised) {
            blis_h.bli_init();
        }
        hasArch = initialised && library.find("bli_arch_query_id").isPresent()
                && library.find("bli_arch_string").isPresent();
        threads = library.find("bli_thread_set_num_threads").isPresent()
                && library.find("bli_thread_get_num_threads").isPresent()
                ? new ThreadCount(BlisControls::threadsInUse, blis_h::bli_thread_set_num_threads,
                        "bli_thread_set_num_threads (default: BLIS_NUM_THREADS, else 1)", true)
                : new EnvironmentThreads("BLIS", "BLIS_NUM_THREADS").count();
    }

    @Override
    public String family() {
        return "blis";
    }

    @Override
    public String version() {
        return "BLIS " + LibraryControls.cString(blis_h.bli_info_get_version_str());
    }

    @Override
    public String kernels() {
        return hasArch ? LibraryControls.cString(blis_h.bli_arch_string(blis_h.bli_arch_query_id())) : "unknown";
    }

    @Override
    public ThreadCount threads() {
        return threads;
    }

    /** BLIS's count, which reads -1 while unset: it then runs one thread. */
    private static int threadsInUse() {
        long n = blis_h.bli_thread_get_num_threads();
        return n < 1 ? 1 : (int) Math.min(n, Integer.MAX_VALUE);
    }
}
