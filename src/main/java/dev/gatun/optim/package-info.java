/**
 * Parameter updates: {@link dev.gatun.optim.Optimizer} (SGD, momentum, RMSprop, Adam) applies a step to every
 * parameter in one fused pass over value, gradient and state, which also reports the first parameter gone NaN or
 * infinite and is split across the step threads of a training thread that has them;
 * {@link dev.gatun.optim.LearningRateSchedule} gives
 * the rate per epoch or per step.
 */
package dev.gatun.optim;
