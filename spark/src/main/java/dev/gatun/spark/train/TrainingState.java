package dev.gatun.spark.train;

import dev.gatun.io.ModelIo;
import dev.gatun.nn.Model;
import dev.gatun.optim.Optimizer;
import dev.gatun.spark.ModelBytes;
import dev.gatun.tensor.DType;

import java.io.Serializable;
import java.lang.foreign.Arena;

/**
 * Where an attempt of the replicas' stage starts: after {@code epochs} completed epochs, from {@code checkpoint}
 * (a Gatun model file with the optimizer's state, as replica 0 reported it after that epoch), or from the plan's
 * initial weights when no epoch has completed. The replicas were bit-identical when the checkpoint was written,
 * the batch order follows from the seed and the epoch, and a float32 model and its optimizer state round-trip a
 * model file bit for bit, so an attempt that starts here trains exactly as the replicas would have trained on.
 */
record TrainingState(int epochs, byte[] checkpoint) implements Serializable {
    static final TrainingState INITIAL = new TrainingState(0, null);

    TrainingState {
        if ((epochs == 0) != (checkpoint == null) || epochs < 0) {
            throw new IllegalArgumentException("training state after " + epochs + " epochs "
                    + (checkpoint == null ? "without" : "with") + " a checkpoint");
        }
    }

    /** This state's model in {@code arena}, with {@code optimizer} restored to its state. */
    Model model(TrainingPlan plan, Arena arena, Optimizer optimizer) {
        if (checkpoint == null) {
            return plan.modelSpec().build(arena, DType.F32);
        }
        return ModelBytes.read(checkpoint, "restoring the state after epoch " + epochs, file -> {
            Model model = ModelIo.load(file, arena).model();
            try {
                ModelIo.restoreOptimizer(file, model, optimizer);
                return model;
            } catch (RuntimeException | java.io.IOException e) {
                model.close();
                throw e;
            }
        });
    }
}
