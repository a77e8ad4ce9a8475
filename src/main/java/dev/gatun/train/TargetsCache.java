package dev.gatun.train;

import dev.gatun.data.Batch;
import dev.gatun.nn.Model;
import dev.gatun.nn.Targets;

import java.lang.foreign.MemorySegment;

/**
 * The {@link Targets} wrapper for a loader's batch, built once per label buffer and then reused, so that a training
 * step allocates nothing. A loader hands out at most a few distinct buffers (full and partial batch, times two with
 * prefetching), so a handful of identity-compared slots is enough.
 */
final class TargetsCache {
    private static final int SLOTS = 8;

    private final Object[] keys = new Object[SLOTS];
    private final Targets[] values = new Targets[SLOTS];

    Targets of(Batch batch, Model model) {
        boolean labels = model.loss().predictsClasses(model.outputs());
        Object key = labels ? batch.labels() : batch.Y();
        for (int i = 0; i < SLOTS; i++) {
            if (keys[i] == key) {
                return values[i];
            }
            if (keys[i] == null) {
                keys[i] = key;
                values[i] = labels ? Targets.labels((MemorySegment) key) : Targets.dense(batch.Y());
                return values[i];
            }
        }
        // More distinct buffers than a loader hands out: correct, just no longer allocation-free.
        return labels ? Targets.labels(batch.labels()) : Targets.dense(batch.Y());
    }
}
