/**
 * Hyperparameter search: {@link dev.gatun.tune.RandomSearch} draws the learning rate, L2 strength and
 * β on log scales, trains a fresh network per trial (in parallel if asked, deterministically), then narrows the
 * ranges around the best trials for a fine phase; the result ranks every trial.
 */
package dev.gatun.tune;
