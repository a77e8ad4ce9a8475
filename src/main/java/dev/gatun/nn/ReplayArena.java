package dev.gatun.nn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Serves a smaller batch size's buffers out of the largest size's: the k-th allocation gets the first bytes of the
 * k-th segment {@link Recording} handed out. Layers ask for their buffers in the same order and number whatever the
 * batch size, and a buffer of m rows is the first m rows of one of more rows, so every size up to the largest
 * lives in the one block, zero-filled when its views are made. Closing it frees nothing: the recording owns the block.
 */
final class ReplayArena implements Arena {
    private final Recording recorded;
    private int next;

    ReplayArena(Recording recorded) {
        this.recorded = recorded;
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (next >= recorded.segments.size()) {
            throw new IllegalStateException("a smaller batch size asked for more buffers (" + (next + 1)
                    + ") than the largest was given (" + recorded.segments.size() + ")");
        }
        MemorySegment whole = recorded.segments.get(next++);
        if (byteSize > whole.byteSize() || whole.address() % byteAlignment != 0) {
            throw new IllegalStateException("buffer " + next + " of a smaller batch size (" + byteSize
                    + " bytes) does not fit in the largest size's (" + whole.byteSize() + " bytes)");
        }
        return whole.asSlice(0, byteSize).fill((byte) 0);
    }

    @Override
    public MemorySegment.Scope scope() {
        return recorded.scope();
    }

    @Override
    public void close() {
        // The block belongs to the recording.
    }

    /** An arena of its own that remembers every segment it handed out, in order. */
    static final class Recording implements Arena {
        private final Arena arena = Arena.ofShared();
        private final List<MemorySegment> segments = new ArrayList<>();

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            MemorySegment segment = arena.allocate(byteSize, byteAlignment);
            segments.add(segment);
            return segment;
        }

        @Override
        public MemorySegment.Scope scope() {
            return arena.scope();
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
