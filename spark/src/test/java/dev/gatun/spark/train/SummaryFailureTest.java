package dev.gatun.spark.train;

import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryFailureTest {
    /** Spark's cap on a job's results, met by the rows' hashes of a large data set, is said with what to raise. */
    @Test
    void aResultTooLargeForTheDriverNamesTheSettingToRaise() {
        SparkException spark = new SparkException("Job aborted due to stage failure: Total size of serialized results"
                + " of 3 tasks (1030.1 MiB) is bigger than spark.driver.maxResultSize (1024.0 MiB)");
        RuntimeException e = DistributedTrainer.summaryFailure(spark);
        assertInstanceOf(IllegalArgumentException.class, e);
        assertTrue(e.getMessage().startsWith("the rows' check sends the driver 16 bytes a row")
                && e.getMessage().contains("--conf spark.driver.maxResultSize=4g"), e.getMessage());
        // Anything else goes the usual way.
        RuntimeException other = DistributedTrainer.summaryFailure(new SparkException("Job 3 cancelled"));
        assertTrue(other.getMessage().contains("Job 3 cancelled"), other.getMessage());
    }
}
