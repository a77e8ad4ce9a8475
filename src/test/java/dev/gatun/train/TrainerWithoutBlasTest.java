package dev.gatun.train;

import dev.gatun.activation.Activation;
import dev.gatun.blas.BlasUnavailableException;
import dev.gatun.data.Table;
import dev.gatun.nn.Loss;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run on a machine without OpenBLAS fails saying so, and the trainer still closes: left marked as running, close()
 * would refuse for ever and its memory leak. This class runs in a JVM of its own (pom.xml,
 * reuseForks=false), made one without BLAS by naming a library that does not exist before anything touches BLAS.
 */
class TrainerWithoutBlasTest {
    static {
        System.setProperty("gatun.openblas", "/nonexistent/gatun-test/libopenblas.so.0");
    }

    @Test
    void aRunWithoutBlasFailsAndTheTrainerStillCloses() {
        try (Table table = LearnableData.oneHotRows(64, 8); Arena arena = Arena.ofShared();
             Model model = Model.builder(8).dense(16, Activation.RELU).output(2, Loss.SOFTMAX_CROSS_ENTROPY).seed(1)
                     .build(arena);
             Optimizer adam = Optimizer.adam(0.01)) {
            Trainer trainer = Trainer.builder(model, adam, table.dataSet()).dev(table.dataSet()).earlyStopping(2)
                    .batchSize(16).epochs(2).build();
            BlasUnavailableException e = assertThrows(BlasUnavailableException.class, trainer::run);
            assertTrue(e.getMessage().contains("/nonexistent/gatun-test/libopenblas.so.0"), e.getMessage());
            assertDoesNotThrow(trainer::close);
        }
    }
}
