package dev.gatun.spark.train;

import dev.gatun.blas.BlasUnavailableException;
import org.apache.spark.SparkException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spark reports a task's exception to the driver wrapped in a {@link SparkException} whose message leads with
 * stage and task numbers. When the cause is one of Gatun's input or state errors (a replica's missing BLAS library
 * among them), the caller gets that error again, as the same kind, with its own message first and Spark's report
 * as the cause. A failed barrier stage carries its task's exception only as text in the message, so that text is
 * read too.
 */
final class TaskFailures {
    /** A task's exception as Spark writes it into a stage failure's message: its class, then its message. */
    private static final Pattern REPORTED = Pattern.compile(
            "^(dev\\.gatun\\.blas\\.BlasUnavailableException|java\\.lang\\.IllegalArgumentException): (.+)$",
            Pattern.MULTILINE);

    /** The classes of Spark's barrier-job refusals (BarrierJobSlotsNumberCheckFailed and the others), Spark-private. */
    private static final String BARRIER_REFUSAL = "org.apache.spark.scheduler.BarrierJob";

    private TaskFailures() {}

    static RuntimeException unwrap(Exception e) {
        if (!(e instanceof SparkException)) {
            return e instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getMessage(), e);
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause.getClass().getName().startsWith(BARRIER_REFUSAL)) {
                // Spark's own refusal of a barrier job (slots, RDD chain, dynamic allocation): the same every time.
                return new IllegalArgumentException("Spark refused the replicas' barrier stage: " + cause.getMessage(), e);
            }
        }
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof BlasUnavailableException) {
                return new BlasUnavailableException(cause.getMessage(), e);
            }
            if (cause instanceof IllegalArgumentException) {
                return new IllegalArgumentException(cause.getMessage(), e);
            }
            if (cause instanceof IllegalStateException) {
                return new IllegalStateException(cause.getMessage(), e);
            }
        }
        Matcher reported = REPORTED.matcher(String.valueOf(e.getMessage()));
        if (reported.find()) {
            return reported.group(1).endsWith("BlasUnavailableException")
                    ? new BlasUnavailableException(reported.group(2), e)
                    : new IllegalArgumentException(reported.group(2), e);
        }
        return new IllegalStateException("Gatun training on Spark failed: " + e.getMessage(), e);
    }

    /** How Spark words a job that was cancelled (by the user, the UI, or a stopping context). */
    private static final Pattern CANCELLED = Pattern.compile("Job \\d+ cancelled");

    /**
     * Whether running the stage again may succeed and is wanted: not for bad input or a missing BLAS library, which
     * fail the same way every time, nor for a cancelled job; yes for a lost executor or a broken ring connection.
     */
    static boolean retriable(RuntimeException failure) {
        return !(failure instanceof BlasUnavailableException || failure instanceof IllegalArgumentException)
                && !CANCELLED.matcher(String.valueOf(failure.getMessage())).find();
    }
}
