/**
 * The Spark ML face of Gatun: {@link dev.gatun.spark.ml.GatunClassifier} and {@link dev.gatun.spark.ml.GatunRegressor},
 * estimators that train on a DataFrame of feature vectors and labels (class indices, or one target) by synchronous
 * data parallelism with the params of {@link dev.gatun.spark.ml.GatunNetworkParams}, and their models,
 * {@link dev.gatun.spark.ml.GatunClassificationModel} ({@code rawPrediction}, {@code probability},
 * {@code prediction}) and {@link dev.gatun.spark.ml.GatunRegressionModel} ({@code prediction}), which score through
 * one Gatun predictor per executor JVM and save with ML persistence, keeping a Gatun model file inside.
 */
package dev.gatun.spark.ml;
