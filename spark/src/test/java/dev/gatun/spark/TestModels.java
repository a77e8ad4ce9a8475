package dev.gatun.spark;

import dev.gatun.io.ModelIo;
import dev.gatun.nn.Model;
import dev.gatun.nn.Parameter;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/** What the tests read from a Gatun model file's bytes. */
public final class TestModels {
    private TestModels() {}

    /** Every parameter's values, one after another, in the model's order. */
    public static float[] weights(byte[] modelFile) {
        try (Arena arena = Arena.ofConfined();
             Model model = ModelBytes.read(modelFile, "a test's model", file -> ModelIo.load(file, arena).model())) {
            float[] all = new float[0];
            for (Parameter p : model.parameters()) {
                float[] values = p.value().segment().toArray(ValueLayout.JAVA_FLOAT);
                int from = all.length;
                all = Arrays.copyOf(all, from + values.length);
                System.arraycopy(values, 0, all, from, values.length);
            }
            return all;
        }
    }
}
