package dev.gatun.spark.allreduce;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rings of threads on loopback against sums computed directly. */
class RingAllReduceTest {
    private static final long TIMEOUT_MILLIS = 20_000;

    /** Each replica's input: seeded random floats. */
    private static float[] input(int rank, int floats) {
        SplittableRandom random = new SplittableRandom(100 + rank);
        float[] values = new float[floats];
        for (int i = 0; i < floats; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /** Runs one ring of {@code size} threads, each summing {@code calls} times; returns every replica's result. */
    private static List<float[]> ring(int size, int floats, int calls) throws Exception {
        return ring(size, floats, calls, floats);
    }

    /** As {@link #ring(int, int, int)}, each call summing only the first {@code count} floats. */
    private static List<float[]> ring(int size, int floats, int calls, int count) throws Exception {
        return LoopbackRings.run(size, floats, TIMEOUT_MILLIS, (rank, data, ring) -> {
            float[] out = null;
            for (int call = 0; call < calls; call++) {
                MemorySegment.copy(input(rank, floats), 0, data, ValueLayout.JAVA_FLOAT, 0, floats);
                if (count == floats) {
                    ring.sumInPlace();
                } else {
                    ring.sumInPlace(count);
                }
                out = data.toArray(ValueLayout.JAVA_FLOAT);
            }
            return out;
        });
    }

    @Test
    void aPrefixIsSummedAndTheRestLeftAlone() throws Exception {
        int floats = 1000;
        int count = 37;   // not a multiple of the ring size
        List<float[]> results = ring(3, floats, 2, count);
        for (int r = 0; r < 3; r++) {
            float[] own = input(r, floats);
            for (int i = 0; i < floats; i++) {
                float expected = i < count ? input(0, floats)[i] + input(1, floats)[i] + input(2, floats)[i] : own[i];
                assertEquals(expected, results.get(r)[i], i < count ? 1e-5 : 0, "replica " + r + ", float " + i);
            }
            assertArrayEquals(java.util.Arrays.copyOf(results.get(0), count), java.util.Arrays.copyOf(results.get(r), count),
                    "every replica gets the same bits");
        }
    }

    @Test
    void everyReplicaGetsTheSameSumForRingsOfOneToFour() throws Exception {
        // 300,007 floats (1.2 MB): chunks larger than the socket buffers, and not a multiple of the ring size.
        for (int size = 1; size <= 4; size++) {
            int floats = 300_007;
            List<float[]> results = ring(size, floats, 2);
            double[] expected = new double[floats];
            for (int r = 0; r < size; r++) {
                float[] in = input(r, floats);
                for (int i = 0; i < floats; i++) {
                    expected[i] += in[i];
                }
            }
            for (int i = 0; i < floats; i++) {
                assertEquals(expected[i], results.get(0)[i], 1e-5 * size, "size " + size + ", float " + i);
            }
            for (int r = 1; r < size; r++) {
                assertArrayEquals(results.get(0), results.get(r), "replica " + r + " of " + size + " differs from replica 0");
            }
        }
    }

    @Test
    void aSteadyCallAllocatesNothing() throws Exception {
        int floats = 100_003;
        int rounds = 150;
        int callsPerRound = 40;
        RingLinks.Listener[] listeners = {RingLinks.listen("127.0.0.1"), RingLinks.listen("127.0.0.1")};
        String[] addresses = {listeners[0].address(), listeners[1].address()};
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Long>> fewest = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                int rank = r;
                fewest.add(pool.submit(() -> {
                    com.sun.management.ThreadMXBean threads =
                            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
                    long self = Thread.currentThread().threadId();
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment data = arena.allocate((long) floats * Float.BYTES, 64);
                        try (RingAllReduce ring = new RingAllReduce(data,
                                RingLinks.connect(rank, addresses, listeners[rank], TIMEOUT_MILLIS), TIMEOUT_MILLIS, () -> false)) {
                            long least = Long.MAX_VALUE;
                            // Both replicas run every round: a ring cannot stop on one side early.
                            for (int round = 0; round < rounds; round++) {
                                long before = threads.getThreadAllocatedBytes(self);
                                for (int call = 0; call < callsPerRound; call++) {
                                    data.fill((byte) 0);
                                    ring.sumInPlace();
                                }
                                least = Math.min(least, threads.getThreadAllocatedBytes(self) - before);
                            }
                            return least;
                        }
                    }
                }));
            }
            for (int r = 0; r < 2; r++) {
                assertEquals(0L, fewest.get(r).get(120, TimeUnit.SECONDS),
                        "replica " + r + ": fewest bytes allocated by " + callsPerRound + " calls in any of " + rounds + " rounds");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void buffersSmallerThanTheRingStillSum() throws Exception {
        List<float[]> results = ring(3, 2, 1);
        float[] a = input(0, 2);
        float[] b = input(1, 2);
        float[] c = input(2, 2);
        for (float[] result : results) {
            assertEquals(a[0] + b[0] + c[0], result[0], 1e-6);
            assertEquals(a[1] + b[1] + c[1], result[1], 1e-6);
        }
    }

    @Test
    void aPeerThatLeavesIsAnErrorNamingIt() throws Exception {
        RingLinks.Listener[] listeners = {RingLinks.listen("127.0.0.1"), RingLinks.listen("127.0.0.1")};
        String[] addresses = {listeners[0].address(), listeners[1].address()};
        String hostPort = "127.0.0.1:" + listeners[1].port();   // the token stays out of messages
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try {
            Future<RingLinks> other = pool.submit(() -> RingLinks.connect(1, addresses, listeners[1], TIMEOUT_MILLIS));
            try (Arena arena = Arena.ofConfined();
                 RingAllReduce ring = new RingAllReduce(arena.allocate(4L * 1000, 64),
                         RingLinks.connect(0, addresses, listeners[0], TIMEOUT_MILLIS), TIMEOUT_MILLIS, () -> false)) {
                other.get(30, TimeUnit.SECONDS).close();
                IOException e = assertThrows(IOException.class, ring::sumInPlace);
                assertTrue(e.getMessage().contains("replica 1 (" + hostPort + ")"), e.getMessage());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Strangers on the listener (one that sends a handshake's length of wrong bytes, one that sends replica 1's
     * handshake without the ring's token, one that connects and says nothing) are turned away while replica 0 waits
     * on; its predecessor, connecting after them, is still accepted.
     */
    @Test
    void strangersAreTurnedAwayAndThePredecessorStillAccepted() throws Exception {
        RingLinks.Listener[] listeners = {RingLinks.listen("127.0.0.1"), RingLinks.listen("127.0.0.1")};
        String[] addresses = {listeners[0].address(), listeners[1].address()};
        int port = listeners[0].port();
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try (java.net.Socket garbage = new java.net.Socket("127.0.0.1", port);
             java.net.Socket forger = new java.net.Socket("127.0.0.1", port);
             java.net.Socket silent = new java.net.Socket("127.0.0.1", port)) {
            garbage.getOutputStream().write(new byte[24]);
            forger.getOutputStream().write(handshakeWithoutToken(1));
            Future<RingLinks> zero = pool.submit(() -> RingLinks.connect(0, addresses, listeners[0], TIMEOUT_MILLIS));
            Thread.sleep(100);   // replica 0 meets the strangers first
            try (RingLinks one = RingLinks.connect(1, addresses, listeners[1], TIMEOUT_MILLIS);
                 RingLinks links = zero.get(30, TimeUnit.SECONDS)) {
                assertEquals(0, links.rank());
                assertEquals(1, one.rank());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A program that found the port and sends the predecessor's rank is still refused without the ring's token: the
     * replica waits on, and its timeout names what it turned away.
     */
    @Test
    void aHandshakeWithoutTheRingsTokenIsRefused() throws Exception {
        try (RingLinks.Listener other = RingLinks.listen("127.0.0.1")) {
            RingLinks.Listener listener = RingLinks.listen("127.0.0.1");
            try (java.net.Socket forger = new java.net.Socket("127.0.0.1", listener.port())) {
                forger.getOutputStream().write(handshakeWithoutToken(1));
                IOException e = assertThrows(IOException.class, () -> replicaZero(listener, other, 300, () -> false));
                assertTrue(e.getMessage().contains("waited 300 ms for replica 1")
                        && e.getMessage().contains("turned away a connection without this ring's token"), e.getMessage());
            }
        }
    }

    /** Another ring's token (a listener's real one, not zeros) does not open this listener either. */
    @Test
    void anotherListenersTokenIsRefused() throws Exception {
        try (RingLinks.Listener other = RingLinks.listen("127.0.0.1");
             RingLinks.Listener elsewhere = RingLinks.listen("127.0.0.1")) {
            RingLinks.Listener listener = RingLinks.listen("127.0.0.1");
            String address = elsewhere.address();
            byte[] token = java.util.HexFormat.of().parseHex(address.substring(address.lastIndexOf('/') + 1));
            try (java.net.Socket forger = new java.net.Socket("127.0.0.1", listener.port())) {
                forger.getOutputStream().write(java.nio.ByteBuffer.allocate(24).putInt(0x47524e47).putInt(1).put(token)
                        .array());
                IOException e = assertThrows(IOException.class, () -> replicaZero(listener, other, 300, () -> false));
                assertTrue(e.getMessage().contains("turned away a connection without this ring's token"), e.getMessage());
            }
        }
    }

    /** A successor that cannot be reached is named by host and port; its token stays out of the message. */
    @Test
    void anUnreachableSuccessorIsNamedWithoutItsToken() throws Exception {
        RingLinks.Listener listener = RingLinks.listen("127.0.0.1");
        RingLinks.Listener gone = RingLinks.listen("127.0.0.1");
        String goneAddress = gone.address();
        String token = goneAddress.substring(goneAddress.lastIndexOf('/') + 1);
        gone.close();   // nothing listens there any more
        IOException e = assertThrows(IOException.class,
                () -> RingLinks.connect(0, new String[] {listener.address(), goneAddress}, listener, 2_000));
        assertTrue(e.getMessage().contains("could not connect to its successor at 127.0.0.1:"), e.getMessage());
        assertTrue(!e.getMessage().contains(token) && !e.getMessage().contains("/"), e.getMessage());
    }

    @Test
    void anAddressWithoutItsTokenIsRefusedAndTheListenerClosed() throws Exception {
        RingLinks.Listener listener = RingLinks.listen("127.0.0.1");
        String bare = "127.0.0.1:" + listener.port();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RingLinks.connect(0, new String[] {listener.address(), bare}, listener, TIMEOUT_MILLIS));
        assertTrue(e.getMessage().contains("'" + bare + "' has no token"), e.getMessage());
        assertThrows(IOException.class, () -> new java.net.Socket("127.0.0.1", listener.port()).close(),
                "the listener is closed");
    }

    /** The handshake replica {@code rank} would send, with the right magic and a token of zeros. */
    private static byte[] handshakeWithoutToken(int rank) {
        return java.nio.ByteBuffer.allocate(24).putInt(0x47524e47).putInt(rank).array();
    }

    /** A stranger that connects and never sends its handshake cannot hold a replica past the timeout. */
    @Test
    void aSilentStrangerEndsInTheTimeoutNamingIt() throws Exception {
        try (RingLinks.Listener other = RingLinks.listen("127.0.0.1")) {
            RingLinks.Listener listener = RingLinks.listen("127.0.0.1");
            int port = listener.port();
            try (java.net.Socket stranger = new java.net.Socket("127.0.0.1", port)) {
                stranger.getOutputStream().write(new byte[] {1, 2, 3});   // part of a handshake, then silence
                long start = System.nanoTime();
                IOException e = assertThrows(IOException.class, () -> replicaZero(listener, other, 300, () -> false));
                assertTrue(e.getMessage().contains("waited 300 ms for replica 1")
                        && e.getMessage().contains("1 connection(s) sent no whole handshake"), e.getMessage());
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "returned at the timeout");
            }
        }
    }

    @Test
    void aKilledTaskStopsWaitingForItsPredecessor() throws Exception {
        try (RingLinks.Listener other = RingLinks.listen("127.0.0.1")) {
            IOException e = assertThrows(IOException.class,
                    () -> replicaZero(RingLinks.listen("127.0.0.1"), other, TIMEOUT_MILLIS, () -> true));
            assertTrue(e.getMessage().contains("cancelled while waiting for replica 1"), e.getMessage());
        }
    }

    /** Replica 0 of a ring of two, on {@code listener}, whose replica 1 listens on {@code other} and never connects. */
    private static RingLinks replicaZero(RingLinks.Listener listener, RingLinks.Listener other, long timeoutMillis,
                                         java.util.function.BooleanSupplier cancelled) throws IOException {
        String[] addresses = {listener.address(), other.address()};
        return RingLinks.connect(0, addresses, listener, timeoutMillis, cancelled);
    }
}
