/**
 * The README's example HTTP service: {@link dev.gatun.serve.example.PredictionServer} answers prediction requests
 * from one shared {@code Predictor} on an embedded Jetty server, which {@code gatun serve-example} starts. It shows
 * how a service uses {@code serve}, so it stays short; not exported, and Jetty is an optional dependency that only
 * this package needs.
 */
package dev.gatun.serve.example;
