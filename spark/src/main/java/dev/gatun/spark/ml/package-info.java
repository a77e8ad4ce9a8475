/**
 * The Spark ML face of Gatun: {@link dev.gatun.spark.ml.GatunClassifier}, an estimator that trains on a DataFrame
 * of feature vectors and labels by synchronous data parallelism, and {@link dev.gatun.spark.ml.GatunClassificationModel},
 * which adds {@code rawPrediction}, {@code probability} and {@code prediction} through one Gatun predictor per
 * executor JVM and saves with ML persistence, keeping a Gatun model file inside.
 */
package dev.gatun.spark.ml;
