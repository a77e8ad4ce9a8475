package dev.gatun.nn;

import dev.gatun.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What a batch should produce. Classification: one int32 class index per row in a native segment (at least m
 * of them; a loader's label buffer can be reused for a smaller last batch). Regression, or binary cross-entropy
 * over several outputs: a dense tensor of shape {@code (m, n_out)}. Build the wrapper once per buffer and reuse
 * it: a training step then allocates nothing.
 */
public sealed interface Targets permits Targets.Labels, Targets.Dense {

    /** Class indices, int32, native byte order, one per row. */
    record Labels(MemorySegment segment) implements Targets {
        public Labels {
            if (segment == null) {
                throw new IllegalArgumentException("labels segment is null");
            }
        }

        public long count() {
            return segment.byteSize() / Integer.BYTES;
        }

        public int get(long row) {
            return segment.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, row);
        }
    }

    /** Dense targets, {@code (m, n_out)}, the model's dtype. */
    record Dense(Tensor values) implements Targets {
        public Dense {
            if (values == null) {
                throw new IllegalArgumentException("target tensor is null");
            }
        }
    }

    static Labels labels(MemorySegment segment) {
        return new Labels(segment);
    }

    /** Copies {@code labels} into {@code arena}: for tests and small examples. */
    static Labels labels(Arena arena, int... labels) {
        MemorySegment segment = arena.allocate(ValueLayout.JAVA_INT, Math.max(1, labels.length));
        MemorySegment.copy(labels, 0, segment, ValueLayout.JAVA_INT, 0, labels.length);
        return new Labels(segment.asSlice(0, (long) labels.length * Integer.BYTES));
    }

    static Dense dense(Tensor values) {
        return new Dense(values);
    }
}
