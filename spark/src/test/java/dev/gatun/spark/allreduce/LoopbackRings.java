package dev.gatun.spark.allreduce;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** A ring of threads on loopback, each with its own member and off-heap buffer, as the replicas of a local run. */
public final class LoopbackRings {
    /** What one member does with its rank, its buffer and its ring; its result is collected in rank order. */
    public interface Member<T> {
        T run(int rank, MemorySegment data, RingAllReduce ring) throws Exception;
    }

    private LoopbackRings() {}

    /** Runs {@code size} members over buffers of {@code floats} floats; every member's result, by rank. */
    public static <T> List<T> run(int size, int floats, long timeoutMillis, Member<T> member) throws Exception {
        RingLinks.Listener[] listeners = new RingLinks.Listener[size];
        String[] addresses = new String[size];
        for (int r = 0; r < size; r++) {
            listeners[r] = RingLinks.listen("127.0.0.1");
            addresses[r] = listeners[r].address();
        }
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<T>> results = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                int rank = r;
                results.add(pool.submit(() -> {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment data = arena.allocate((long) floats * Float.BYTES, 64);
                        try (RingAllReduce ring = new RingAllReduce(data,
                                RingLinks.connect(rank, addresses, listeners[rank], timeoutMillis), timeoutMillis, () -> false)) {
                            return member.run(rank, data, ring);
                        }
                    }
                }));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : results) {
                out.add(f.get(timeoutMillis + 60_000, TimeUnit.MILLISECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
            for (RingLinks.Listener listener : listeners) {
                listener.close();
            }
        }
    }
}
