package dev.gatun.io;

import dev.gatun.tensor.DType;
import dev.gatun.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/**
 * Refuses a model whose weights are not all finite float32 values before it is written. Gatun's files and ONNX exports
 * hold float32; Gatun's loader refuses a NaN or ±∞ there, and an ONNX runtime runs one and answers NaN for every row,
 * so writing it would replace a good file (a model, the last checkpoint) with one nobody can use. A float64 weight
 * beyond float32's range would become ±∞ in the file. Refused here, the model is still the caller's to fix.
 */
final class FiniteTensors {
    private FiniteTensors() {}

    /** Throws, naming {@code operation}, the tensor and the element, when a value of {@code tensors} is no float32. */
    static void require(String operation, Map<String, Tensor> tensors) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long bad = firstNonFinite(t);
            if (bad >= 0) {
                double v = t.get(bad);
                throw new IllegalArgumentException(operation + ": tensor " + e.getKey() + " element " + bad + " is " + v
                        + (Double.isFinite(v) ? ", beyond float32's range, which the file holds" : ", expected a finite"
                        + " value") + " (the weights diverged); nothing was written");
            }
        }
    }

    /**
     * The first element that is NaN or infinite as a float32, or −1. One plain loop over the memory: a checkpoint is
     * checked on the training thread every epoch, and an element-by-element {@code Tensor.get} loop cost C2's time in
     * the first epochs.
     */
    private static long firstNonFinite(Tensor t) {
        MemorySegment s = t.segment();
        long n = t.size();
        if (t.dtype() == DType.F32) {
            for (long i = 0; i < n; i++) {
                if ((s.getAtIndex(ValueLayout.JAVA_INT, i) & 0x7f80_0000) == 0x7f80_0000) {
                    return i;
                }
            }
        } else {
            for (long i = 0; i < n; i++) {
                if (!Float.isFinite((float) s.getAtIndex(ValueLayout.JAVA_DOUBLE, i))) {
                    return i;
                }
            }
        }
        return -1;
    }
}
