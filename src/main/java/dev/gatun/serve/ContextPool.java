package dev.gatun.serve;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The predictor's fixed set of scratch {@link Context}s, lent to one call at a time. Taking a slot is one
 * compare-and-set (starting at a slot chosen by the thread's id, so threads rarely meet), giving it back one
 * volatile write; no lock. A ThreadLocal would avoid even the CAS, but it ties scratch memory to thread lifetime:
 * a server with thousands of (virtual) threads would hold thousands of contexts, and a closed predictor could not
 * free them. Slots bound the memory to the number of concurrent calls; when every slot is busy a caller spins,
 * then yields, until one frees.
 *
 * <p>{@link #close()} marks the pool closed, waits for every lent slot to come back, retires each and frees its
 * context: a call that starts after close began throws IllegalStateException, and no call ever touches freed memory.
 */
final class ContextPool {
    /** Slot states; each slot's word sits on its own 64-byte line so threads do not share cache lines. */
    private static final long FREE = 0;
    private static final long BUSY = 1;
    private static final long RETIRED = 2;
    private static final int STRIDE = 8;
    private static final int SPINS = 64;

    private final List<Stage> stages;
    private final Context[] contexts;
    private final AtomicLongArray slots;
    private volatile boolean closed;

    ContextPool(List<Stage> stages, int size) {
        this.stages = stages;
        this.contexts = new Context[size];
        this.slots = new AtomicLongArray(size * STRIDE);
    }

    /** Takes a free slot (its context made on first use), waiting while all are busy; throws once closed. */
    int acquire() {
        int n = contexts.length;
        int start = (int) (Thread.currentThread().threadId() % n);
        for (int round = 0; ; round++) {
            if (closed) {
                throw closedException();
            }
            for (int k = 0; k < n; k++) {
                int j = start + k < n ? start + k : start + k - n;
                int word = j * STRIDE;
                if (slots.get(word) == FREE && slots.compareAndSet(word, FREE, BUSY)) {
                    // Close sets `closed` before it retires slots: holding a slot, either we see it, or close waits for us.
                    if (closed) {
                        slots.set(word, FREE);
                        throw closedException();
                    }
                    if (contexts[j] == null) {
                        try {
                            contexts[j] = new Context(stages);
                        } catch (RuntimeException | Error e) {   // no memory for it: the slot must not stay BUSY,
                            slots.set(word, FREE);                 // or close() would wait for it for ever
                            throw e;
                        }
                    }
                    return j;
                }
            }
            pause(round);
        }
    }

    /** The context of a slot this thread holds. */
    Context context(int slot) {
        return contexts[slot];
    }

    void release(int slot) {
        slots.set(slot * STRIDE, FREE);
    }

    boolean isClosed() {
        return closed;
    }

    /** Refuses new calls, waits for the running ones, then frees every context. Call once. */
    void close() {
        closed = true;
        for (int j = 0; j < contexts.length; j++) {
            int word = j * STRIDE;
            for (int round = 0; !slots.compareAndSet(word, FREE, RETIRED); round++) {
                pause(round);
            }
            if (contexts[j] != null) {
                contexts[j].close();
                contexts[j] = null;
            }
        }
    }

    private static void pause(int round) {
        if (round < SPINS) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    static IllegalStateException closedException() {
        return new IllegalStateException("predictor is closed");
    }
}
