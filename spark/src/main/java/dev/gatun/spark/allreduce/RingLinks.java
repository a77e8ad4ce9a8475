package dev.gatun.spark.allreduce;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The two TCP connections of one replica in a ring of P: to its successor (it sends there) and from its
 * predecessor (it receives from there). Set up in three moves so that no replica waits on another's accept: each
 * replica {@link #listen}s first, the replicas exchange their {@link #address(ServerSocketChannel) address}es
 * (through Spark's {@code allGather}), then each {@link #connect}s to its successor, which the successor's listen
 * backlog takes before it accepts. A handshake carries the sender's rank: a stray or stale connection is turned away
 * (and named if the predecessor never comes) while the replica waits on for its predecessor.
 */
public final class RingLinks implements AutoCloseable {
    private static final int MAGIC = 0x47524e47;   // "GRNG"

    private final int rank;
    private final int size;
    private final String[] addresses;
    private final SocketChannel next;
    private final SocketChannel previous;

    private RingLinks(int rank, int size, String[] addresses, SocketChannel next, SocketChannel previous) {
        this.rank = rank;
        this.size = size;
        this.addresses = addresses;
        this.next = next;
        this.previous = previous;
    }

    /** A listener on {@code host}, on a port the system chooses. */
    public static ServerSocketChannel listen(String host) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress(InetAddress.getByName(host), 0), 4);
        return listener;
    }

    /** What the other replicas connect to: {@code host:port}. */
    public static String address(ServerSocketChannel listener) throws IOException {
        InetSocketAddress bound = (InetSocketAddress) listener.getLocalAddress();
        return bound.getAddress().getHostAddress() + ":" + bound.getPort();
    }

    /**
     * Connects replica {@code rank} to its successor in {@code addresses} (every replica's listener, by rank) and
     * accepts its predecessor on {@code listener}, which it then closes. A ring of one has no connections.
     */
    public static RingLinks connect(int rank, String[] addresses, ServerSocketChannel listener, long timeoutMillis)
            throws IOException {
        return connect(rank, addresses, listener, timeoutMillis, () -> false);
    }

    /**
     * {@link #connect(int, String[], ServerSocketChannel, long)}, giving up while it waits for the predecessor as soon
     * as {@code cancelled} says so (Spark's kill flag: a killed barrier task is not interrupted, and would otherwise
     * keep its slot until the timeout).
     */
    public static RingLinks connect(int rank, String[] addresses, ServerSocketChannel listener, long timeoutMillis,
                                    BooleanSupplier cancelled) throws IOException {
        int size = addresses.length;
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException("ring rank " + rank + " outside a ring of " + size);
        }
        try (listener) {
            if (size == 1) {
                return new RingLinks(rank, size, addresses.clone(), null, null);
            }
            SocketChannel next = connectTo(addresses[(rank + 1) % size], timeoutMillis, rank);
            try {
                SocketChannel previous = accept(listener, timeoutMillis, Math.floorMod(rank - 1, size), rank, cancelled);
                return new RingLinks(rank, size, addresses.clone(), next, previous);
            } catch (IOException | RuntimeException e) {
                next.close();
                throw e;
            }
        }
    }

    private static SocketChannel connectTo(String address, long timeoutMillis, int rank) throws IOException {
        int colon = address.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("ring address '" + address + "' is not host:port");
        }
        InetSocketAddress target = new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
        SocketChannel channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.socket().connect(target, (int) Math.min(Integer.MAX_VALUE, timeoutMillis));
            ByteBuffer hello = ByteBuffer.allocate(8).putInt(MAGIC).putInt(rank).flip();
            while (hello.hasRemaining()) {
                channel.write(hello);
            }
            return channel;
        } catch (IOException e) {
            channel.close();
            throw new IOException("all-reduce ring: replica " + rank + " could not connect to its successor at "
                    + address + ": " + e.getMessage(), e);
        }
    }

    /**
     * The predecessor's connection: the first whose handshake names it. A connection that is not one (a port scan, a
     * health probe, another replica) is closed and the wait goes on; none of them is read blocking, so one that
     * connects and says nothing cannot hold the replica past the timeout.
     */
    private static SocketChannel accept(ServerSocketChannel listener, long timeoutMillis, int expected, int rank,
                                        BooleanSupplier cancelled) throws IOException {
        listener.configureBlocking(false);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        List<Handshake> pending = new ArrayList<>();
        String refused = null;   // the last connection turned away, for the timeout's message
        try {
            while (true) {
                SocketChannel accepted;
                while ((accepted = listener.accept()) != null) {
                    pending.add(new Handshake(accepted, ByteBuffer.allocate(8)));   // closed by finally if need be
                    accepted.configureBlocking(false);
                }
                for (Iterator<Handshake> it = pending.iterator(); it.hasNext(); ) {
                    Handshake h = it.next();
                    int read;
                    try {
                        read = h.channel().read(h.hello());
                    } catch (IOException e) {
                        read = -1;
                    }
                    if (read >= 0 && h.hello().hasRemaining()) {
                        continue;
                    }
                    it.remove();
                    if (read < 0) {
                        refused = "a connection that closed before its handshake";
                        h.channel().close();
                        continue;
                    }
                    ByteBuffer hello = h.hello().flip();
                    int magic = hello.getInt();
                    int from = hello.getInt();
                    if (magic == MAGIC && from == expected) {
                        try {
                            h.channel().configureBlocking(true);
                            h.channel().setOption(StandardSocketOptions.TCP_NODELAY, true);
                        } catch (IOException | RuntimeException e) {
                            h.channel().close();
                            throw e;
                        }
                        return h.channel();
                    }
                    refused = magic != MAGIC ? "a connection that is not a Gatun ring" : "replica " + from;
                    h.channel().close();
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("all-reduce ring: replica " + rank + " waited " + timeoutMillis
                            + " ms for replica " + expected + " to connect"
                            + (refused == null ? "" : "; turned away " + refused)
                            + (pending.isEmpty() ? "" : "; " + pending.size() + " connection(s) sent no whole handshake"));
                }
                if (cancelled.getAsBoolean()) {
                    throw new IOException("all-reduce ring: replica " + rank + " was cancelled while waiting for replica "
                            + expected + " to connect");
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("all-reduce ring: replica " + rank + " interrupted while waiting for replica "
                            + expected);
                }
            }
        } finally {
            for (Handshake h : pending) {
                h.channel().close();
            }
        }
    }

    /** An accepted connection and the bytes of its handshake read so far. */
    private record Handshake(SocketChannel channel, ByteBuffer hello) {}

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    SocketChannel next() {
        return next;
    }

    SocketChannel previous() {
        return previous;
    }

    String nextAddress() {
        return addresses[(rank + 1) % size];
    }

    String previousAddress() {
        return addresses[Math.floorMod(rank - 1, size)];
    }

    @Override
    public void close() throws IOException {
        try (SocketChannel n = next; SocketChannel p = previous) {
            // both closed, the second even when the first fails
        }
    }

    @Override
    public String toString() {
        return "ring replica " + rank + " of " + size + " " + Arrays.toString(addresses);
    }
}
