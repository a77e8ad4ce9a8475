/**
 * An example consumer of the installed Gatun artifact: a service that loads a model at start-up and answers
 * prediction requests from one shared {@code Predictor}, run on the class path and on the module path with the
 * flags the README gives.
 */
package dev.gatun.example.service;
