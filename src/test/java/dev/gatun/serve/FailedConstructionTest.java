package dev.gatun.serve;

import dev.gatun.ResidentMemory;
import dev.gatun.activation.Activation;
import dev.gatun.data.Normalization;
import dev.gatun.data.Table;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import dev.gatun.train.History;
import dev.gatun.train.Trainer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A constructor that fails after allocating off-heap memory frees it: a service that retries a bad model, or a
 * caller that retries a bad resume, must not lose memory with every try. Each try below allocated 32-64 MB that was
 * never freed (1.9 and 2.6 GB in all), against a bound of 512 MB on the resident set.
 */
class FailedConstructionTest {
    private static final int WIDE = 4096;
    private static final int TRIES = 20;
    private static final long BOUND_MB = 512;   // the heap may grow meanwhile: a full suite saw 244 MB of it

    @Test
    void aPredictorThatCannotCompileALaterLayerFreesTheEarlierOnes() {
        try (Arena arena = Arena.ofShared();
             Model model = Model.builder(WIDE).dense(WIDE, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(1)
                     .build(arena)) {
            // Beyond bfloat16's range, in the last layer: the first layer's 4096 x 4096 stage is compiled before it.
            model.tensorsByName().get("W2").set(0, 0, 3.4e38);
            Predictor.Options bfloat16 = Predictor.Options.defaults().withRowWeights(RowWeights.BFLOAT16);
            Normalization none = Normalization.none(WIDE);
            ResidentMemory.assertGrowthBounded(TRIES, BOUND_MB, () -> {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Predictor.of(model, none, bfloat16));
                assertTrue(e.getMessage().contains("bfloat16"), e.getMessage());
            });
        }
    }

    @Test
    void aTrainerRefusingBestWeightsOfAnotherShapeFreesItsSnapshot() {
        try (Arena arena = Arena.ofShared();
             Model model = Model.builder(WIDE).dense(WIDE, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(1)
                     .build(arena);
             Model other = Model.builder(WIDE).dense(8, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).build(arena);
             Table table = Table.ofLabels("rows", new float[4][WIDE], new int[] {0, 1, 0, 1}, 2);
             Optimizer sgd = Optimizer.sgd(0.1)) {
            History history = History.decode(null);
            ResidentMemory.assertGrowthBounded(TRIES, BOUND_MB, () -> {
                RuntimeException e = assertThrows(RuntimeException.class, () -> Trainer.builder(model, sgd, table.dataSet())
                        .dev(table.dataSet()).earlyStopping(1).resume(history, other).build());
                assertTrue(e.getMessage().contains("widths"), e.getMessage());
            });
        }
    }
}
