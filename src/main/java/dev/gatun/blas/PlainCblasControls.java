package dev.gatun.blas;

/**
 * A CBLAS library of no family Gatun knows, such as the reference BLAS: no version, no kernel set, no thread call.
 * The reference BLAS runs on the calling thread; others usually follow {@code OMP_NUM_THREADS}.
 */
final class PlainCblasControls implements LibraryControls {
    private final EnvironmentThreads environment = new EnvironmentThreads("this CBLAS library", "OMP_NUM_THREADS");
    private final ThreadCount threads = new ThreadCount(environment::threads, environment::setThreads,
            "none Gatun knows; a threaded library usually reads OMP_NUM_THREADS when it loads (set it before the "
                    + "JVM starts); the reference BLAS runs on the calling thread", false);

    @Override
    public String family() {
        return "cblas";
    }

    @Override
    public String version() {
        return "unknown (the library has no version call Gatun knows)";
    }

    @Override
    public String kernels() {
        return "unknown";
    }

    @Override
    public ThreadCount threads() {
        return threads;
    }
}
