package dev.gatun.spark.train;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Replica 0's end of the epoch reports ({@link EpochReports}): one connection to the driver for the stage attempt,
 * opened at the first report. Each report waits for the driver's word that it was kept (and its listener told),
 * so when replica 0 starts an epoch the driver holds the state before it; the word also says whether to train on.
 */
final class EpochReporter implements AutoCloseable {
    /** How often the wait for the driver's answer looks at the kill flag. */
    private static final int POLL_MILLIS = 1_000;

    private final EpochReports.Address address;
    private final int timeoutMillis;
    private final long answerWaitNanos;
    private final BooleanSupplier cancelled;
    private Socket socket;
    private DataOutputStream out;
    private InputStream in;

    /**
     * @param timeoutMillis the limit for connecting and sending
     * @param answerWaitMillis the limit for the driver's answer, which comes after its evaluation of the epoch and
     *                         its checkpoint (on a large data set, minutes)
     * @param cancelled polled while waiting for the answer: true ends the wait (the task was killed)
     */
    EpochReporter(EpochReports.Address address, long timeoutMillis, long answerWaitMillis, BooleanSupplier cancelled) {
        this.address = address;
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeoutMillis);
        this.answerWaitNanos = Math.multiplyExact(Math.max(timeoutMillis, answerWaitMillis), 1_000_000L);
        this.cancelled = cancelled;
    }

    /** Sends an epoch's report and waits for the driver's answer: true to train on, false to stop after it. */
    boolean send(int epoch, double loss, double seconds, double allReduceSeconds, double learningRate, byte[] checkpoint)
            throws IOException {
        try {
            if (socket == null) {
                socket = new Socket();
                socket.connect(new InetSocketAddress(address.host(), address.port()), timeoutMillis);
                socket.setSoTimeout(timeoutMillis);
                out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
                in = socket.getInputStream();
                out.writeLong(address.tokenHi());
                out.writeLong(address.tokenLo());
            }
            new EpochReport(address.attempt(), epoch, loss, seconds, allReduceSeconds, learningRate, checkpoint).write(out);
            int answer = answer();
            if (answer != EpochReports.TRAIN_ON && answer != EpochReports.STOP) {
                throw new IOException(answer < 0 ? "the driver closed the connection" : "the driver answered " + answer);
            }
            return answer == EpochReports.TRAIN_ON;
        } catch (IOException e) {
            throw new IOException("replica 0 could not report epoch " + epoch + " to the driver at " + address.host()
                    + ":" + address.port() + ": " + e.getMessage(), e);
        }
    }

    /** The driver's one-byte answer, waited for in short reads so that a killed task stops waiting. */
    private int answer() throws IOException {
        long deadline = System.nanoTime() + answerWaitNanos;
        socket.setSoTimeout(POLL_MILLIS);
        try {
            while (true) {
                try {
                    return in.read();
                } catch (SocketTimeoutException stillEvaluating) {
                    if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                        throw new IOException("cancelled while waiting for the driver's answer");
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new IOException("no answer within " + answerWaitNanos / 1_000_000 + " ms");
                    }
                }
            }
        } finally {
            socket.setSoTimeout(timeoutMillis);
        }
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
    }
}
