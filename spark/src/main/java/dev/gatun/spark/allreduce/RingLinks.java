package dev.gatun.spark.allreduce;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The two TCP connections of one replica in a ring of P: to its successor (it sends there) and from its
 * predecessor (it receives from there). Set up in three moves so that no replica waits on another's accept: each
 * replica {@link #listen}s first, the replicas exchange their {@link Listener#address() address}es
 * (through Spark's {@code allGather}), then each {@link #connect}s to its successor, which the successor's listen
 * backlog takes before it accepts. A handshake carries the sender's rank and the receiver's random token. The token
 * travels with the address through Spark's {@code allGather} (as private as Spark's own RPC: encrypted when
 * {@code spark.network.crypto.enabled} is set), so only this ring's replicas have it. A stray or stale connection, or
 * one from a program that found the port and guessed a rank, is turned away (and named if the predecessor never
 * comes) while the replica waits on for its predecessor. The token keeps other programs out of the ring; it does not
 * encrypt or sign the gradients that flow once it is set up.
 */
public final class RingLinks implements AutoCloseable {
    private static final int MAGIC = 0x47524e47;   // "GRNG"
    private static final int TOKEN_BYTES = 16;
    private static final int HANDSHAKE_BYTES = 8 + TOKEN_BYTES;
    private static final SecureRandom TOKENS = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private final int rank;
    private final int size;
    /** Every replica's {@code host:port}, by rank, without its token (these go into messages). */
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

    /**
     * A replica's listener and the token its predecessor must present: what {@link #listen} opens and
     * {@link #connect} accepts on, then closes.
     */
    public static final class Listener implements AutoCloseable {
        private final ServerSocketChannel channel;
        private final byte[] token;

        private Listener(ServerSocketChannel channel, byte[] token) {
            this.channel = channel;
            this.token = token;
        }

        /**
         * What the other replicas need to connect here, to exchange through Spark: {@code host:port/token}, the token
         * in hex.
         */
        public String address() throws IOException {
            InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
            return bound.getAddress().getHostAddress() + ":" + bound.getPort() + "/" + HEX.formatHex(token);
        }

        /** The port the system chose. */
        public int port() throws IOException {
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** A listener on {@code host}, on a port the system chooses, with a new random token. */
    public static Listener listen(String host) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.bind(new InetSocketAddress(InetAddress.getByName(host), 0), 4);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        byte[] token = new byte[TOKEN_BYTES];
        TOKENS.nextBytes(token);
        return new Listener(channel, token);
    }

    /**
     * Connects replica {@code rank} to its successor in {@code addresses} (every replica's
     * {@link Listener#address()}, by rank) and accepts its predecessor on {@code listener}, which it then closes. A
     * ring of one has no connections.
     */
    public static RingLinks connect(int rank, String[] addresses, Listener listener, long timeoutMillis)
            throws IOException {
        return connect(rank, addresses, listener, timeoutMillis, () -> false);
    }

    /**
     * {@link #connect(int, String[], Listener, long)}, giving up while it waits for the predecessor as soon
     * as {@code cancelled} says so (Spark's kill flag: a killed barrier task is not interrupted, and would otherwise
     * keep its slot until the timeout).
     */
    public static RingLinks connect(int rank, String[] addresses, Listener listener, long timeoutMillis,
                                    BooleanSupplier cancelled) throws IOException {
        int size = addresses.length;
        try (listener) {
            if (rank < 0 || rank >= size) {
                throw new IllegalArgumentException("ring rank " + rank + " outside a ring of " + size);
            }
            String[] hostPorts = new String[size];
            byte[][] tokens = new byte[size][];
            for (int r = 0; r < size; r++) {
                int slash = addresses[r].lastIndexOf('/');
                hostPorts[r] = slash < 0 ? addresses[r] : addresses[r].substring(0, slash);
                tokens[r] = tokenOf(addresses[r], slash);
            }
            if (size == 1) {
                return new RingLinks(rank, size, hostPorts, null, null);
            }
            int successor = (rank + 1) % size;
            SocketChannel next = connectTo(hostPorts[successor], tokens[successor], timeoutMillis, rank);
            try {
                SocketChannel previous = accept(listener, timeoutMillis, Math.floorMod(rank - 1, size), rank, cancelled);
                return new RingLinks(rank, size, hostPorts, next, previous);
            } catch (IOException | RuntimeException e) {
                next.close();
                throw e;
            }
        }
    }

    /** The token after the last '/' of {@code address}, which must be {@link #TOKEN_BYTES} in hex. */
    private static byte[] tokenOf(String address, int slash) {
        String hex = slash < 0 ? "" : address.substring(slash + 1);
        if (hex.length() != 2 * TOKEN_BYTES) {
            throw new IllegalArgumentException("ring address '" + (slash < 0 ? address : address.substring(0, slash))
                    + "' has no token of " + TOKEN_BYTES + " bytes in hex after a '/' (addresses come from"
                    + " RingLinks.Listener.address())");
        }
        try {
            return HEX.parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ring address '" + address.substring(0, slash)
                    + "' has a token that is not hex", e);
        }
    }

    private static SocketChannel connectTo(String address, byte[] token, long timeoutMillis, int rank) throws IOException {
        int colon = address.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("ring address '" + address + "' is not host:port");
        }
        InetSocketAddress target = new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
        SocketChannel channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.socket().connect(target, (int) Math.min(Integer.MAX_VALUE, timeoutMillis));
            ByteBuffer hello = ByteBuffer.allocate(HANDSHAKE_BYTES).putInt(MAGIC).putInt(rank).put(token).flip();
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
     * The predecessor's connection: the first whose handshake names it and presents this listener's token. A
     * connection that is not one (a port scan, a health probe, another replica, a program without the token) is
     * closed and the wait goes on; none of them is read blocking, so one that connects and says nothing cannot hold
     * the replica past the timeout.
     */
    private static SocketChannel accept(Listener ring, long timeoutMillis, int expected, int rank,
                                        BooleanSupplier cancelled) throws IOException {
        ServerSocketChannel listener = ring.channel;
        listener.configureBlocking(false);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        List<Handshake> pending = new ArrayList<>();
        String refused = null;   // the last connection turned away, for the timeout's message
        try {
            while (true) {
                SocketChannel accepted;
                while ((accepted = listener.accept()) != null) {
                    pending.add(new Handshake(accepted, ByteBuffer.allocate(HANDSHAKE_BYTES)));   // closed by finally if need be
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
                    byte[] token = new byte[TOKEN_BYTES];
                    hello.get(token);
                    boolean tokenMatches = MessageDigest.isEqual(token, ring.token);   // in constant time
                    if (magic == MAGIC && from == expected && tokenMatches) {
                        try {
                            h.channel().configureBlocking(true);
                            h.channel().setOption(StandardSocketOptions.TCP_NODELAY, true);
                        } catch (IOException | RuntimeException e) {
                            h.channel().close();
                            throw e;
                        }
                        return h.channel();
                    }
                    refused = magic != MAGIC ? "a connection that is not a Gatun ring"
                            : !tokenMatches ? "a connection without this ring's token" : "replica " + from;
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
