package dev.gatun.spark.train;

import org.apache.spark.SparkException;

/**
 * Spark reports a task's exception to the driver wrapped in a {@link SparkException} whose message leads with
 * stage and task numbers. When the cause is one of Gatun's input or state errors, the caller gets that error
 * again, as the same kind, with its own message first and Spark's report as the cause.
 */
final class TaskFailures {
    private TaskFailures() {}

    static RuntimeException unwrap(Exception e) {
        if (!(e instanceof SparkException)) {
            return e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getMessage(), e);
        }
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof IllegalArgumentException) {
                return new IllegalArgumentException(cause.getMessage(), e);
            }
            if (cause instanceof IllegalStateException) {
                return new IllegalStateException(cause.getMessage(), e);
            }
        }
        return new IllegalStateException("Gatun training on Spark failed: " + e.getMessage(), e);
    }
}
