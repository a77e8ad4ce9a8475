package dev.gatun.blas;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread count of a library without a call to set it: whatever its environment variable said when the process
 * started (the library reads it once, when it loads), and a warning, not an error, when asked for another: the
 * work is still right, only the parallelism is not what was asked for.
 */
record EnvironmentThreads(String library, String variable) {
    private static final Logger LOG = LoggerFactory.getLogger(EnvironmentThreads.class);

    /** The variable's value if it is a positive integer, else 0 (the library's own default, unknown here). */
    int threads() {
        String value = System.getenv(variable);
        try {
            int n = value == null ? 0 : Integer.parseInt(value.strip());
            return Math.max(n, 0);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    void setThreads(int threads) {
        if (threads != threads()) {
            LOG.warn("{} has no call to set its thread count: it keeps what {} said when the JVM started ({}); set "
                    + "{}={} before starting to get {}", library, variable, System.getenv(variable) == null ? "unset"
                    : System.getenv(variable), variable, threads, threads);
        }
    }

    /** This variable as the library's thread count. */
    ThreadCount count() {
        return new ThreadCount(this::threads, this::setThreads, describe(), false);
    }

    String describe() {
        return "environment: " + variable + ", read by the library when it loads (set it before the JVM starts)";
    }
}
