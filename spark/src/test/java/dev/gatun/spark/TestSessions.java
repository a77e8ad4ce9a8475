package dev.gatun.spark;

import org.apache.spark.sql.SparkSession;

/** Spark sessions for the tests: local, on loopback, without the web UI, with few shuffle partitions. */
public final class TestSessions {
    private TestSessions() {}

    public static SparkSession local(int cores) {
        return SparkSession.builder()
                .master("local[" + cores + "]")
                .appName("gatun-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", Integer.toString(cores))
                .getOrCreate();
    }
}
