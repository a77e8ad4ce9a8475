/**
 * The activation functions a layer applies, {@link dev.gatun.activation.Activation}: identity, sigmoid, tanh, ReLU
 * and leaky ReLU, each with its derivative in terms of its own output. A package of its own so that the public API
 * (building a model names its activations) and the kernels that compute them share one definition without the
 * kernels depending on the network code.
 */
package dev.gatun.activation;
