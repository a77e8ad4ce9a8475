package dev.gatun.nn;

/** TRAIN draws dropout masks and normalises with batch statistics; INFERENCE does neither (running statistics). */
public enum Mode {
    TRAIN,
    INFERENCE
}
