package dev.gatun.spark.ml;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The params and setters every Gatun estimator shares: the network's layers and activations, its initialisation,
 * optimizer, penalties, batch norm, dropout, learning-rate decay, epochs, global batch, seed, input normalisation,
 * replicas and the ring's timeout. Spark finds params through public methods, so these are default methods over
 * the estimator's own {@link NetworkParamSet}, one implementation for every estimator that extends another Spark
 * base class.
 *
 * @param <S> the estimator, which every setter returns
 */
public interface GatunNetworkParams<S extends GatunNetworkParams<S>> extends Params {
    /** The estimator's own params, owned by its uid. */
    NetworkParamSet network();

    default IntArrayParam layers() { return network().layers; }
    default Param<String> activation() { return network().activation; }
    default Param<String> init() { return network().init; }
    default Param<String> optimizer() { return network().optimizer; }
    default DoubleParam learningRate() { return network().learningRate; }
    default DoubleParam beta1() { return network().beta1; }
    default DoubleParam beta2() { return network().beta2; }
    default DoubleParam l2() { return network().l2; }
    default DoubleParam l1() { return network().l1; }
    default BooleanParam batchNorm() { return network().batchNorm; }
    default DoubleParam dropoutKeepProb() { return network().dropoutKeepProb; }
    default Param<String> learningRateDecay() { return network().learningRateDecay; }
    default Param<String> learningRateDecayPer() { return network().learningRateDecayPer; }
    default IntParam epochs() { return network().epochs; }
    default IntParam batchSize() { return network().batchSize; }
    default LongParam seed() { return network().seed; }
    default Param<String> normalization() { return network().normalization; }
    default IntParam numPartitions() { return network().numPartitions; }
    default LongParam allReduceTimeoutMillis() { return network().allReduceTimeoutMillis; }

    default S setLayers(int... value) { return with(layers(), value); }
    default S setActivation(String value) { return with(activation(), value); }
    default S setInit(String value) { return with(init(), value); }
    default S setOptimizer(String value) { return with(optimizer(), value); }
    default S setLearningRate(double value) { return with(learningRate(), value); }
    default S setBeta1(double value) { return with(beta1(), value); }
    default S setBeta2(double value) { return with(beta2(), value); }
    default S setL2(double value) { return with(l2(), value); }
    default S setL1(double value) { return with(l1(), value); }
    default S setBatchNorm(boolean value) { return with(batchNorm(), value); }
    default S setDropoutKeepProb(double value) { return with(dropoutKeepProb(), value); }
    default S setLearningRateDecay(String value) { return with(learningRateDecay(), value); }
    default S setLearningRateDecayPer(String value) { return with(learningRateDecayPer(), value); }
    default S setEpochs(int value) { return with(epochs(), value); }
    default S setBatchSize(int value) { return with(batchSize(), value); }
    default S setSeed(long value) { return with(seed(), value); }
    default S setNormalization(String value) { return with(normalization(), value); }
    default S setNumPartitions(int value) { return with(numPartitions(), value); }
    default S setAllReduceTimeoutMillis(long value) { return with(allReduceTimeoutMillis(), value); }

    default int[] getLayers() { return (int[]) $(layers()); }
    default int getNumPartitions() { return (Integer) $(numPartitions()); }

    /** Sets {@code param} on this estimator and returns it as its own type. */
    @SuppressWarnings("unchecked")
    private <T> S with(Param<T> param, T value) {
        set(param, value);
        return (S) this;
    }
}
