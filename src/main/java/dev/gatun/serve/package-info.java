/**
 * Inference for services: {@link dev.gatun.serve.Predictor} compiles a model once (batch norm folded, dropout
 * removed) and is then shared by any number of threads without locks, allocating nothing per call; single rows
 * run a Vector API row kernel, batches of {@value dev.gatun.serve.Predictor#BLAS_MIN_ROWS}+ rows sgemm. Loading
 * checks that the BLAS is usable, so a service fails at start-up rather than in a request.
 */
package dev.gatun.serve;
