/**
 * Gatun on Apache Spark: synchronous data-parallel training in one barrier stage and a Spark ML estimator.
 *
 * <p>This module sits above the core ({@code dev.gatun:gatun}) and nothing in the core depends on it; Spark itself
 * is a {@code provided} dependency, so a service that embeds Gatun's predictor never sees Spark. Every JVM that runs
 * it (driver and executors) needs Gatun's flags ({@code --enable-native-access=ALL-UNNAMED
 * --add-modules=jdk.incubator.vector}), the {@code --add-opens} list Spark's own launcher adds on JDK 17+, and the
 * system OpenBLAS. A driver that starts its own session on a cluster master ships Gatun's jars and flags to the
 * executors itself ({@link dev.gatun.spark.ExecutorClassPath}).
 */
package dev.gatun.spark;
