package dev.gatun.spark.train;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Replica 0's end of the epoch reports ({@link EpochReports}): one connection to the driver for the stage attempt,
 * opened at the first report. Each report waits for the driver's word that it was kept (and its listener told),
 * so when replica 0 starts an epoch the driver holds the state before it; the word also says whether to train on.
 */
final class EpochReporter implements AutoCloseable {
    private final EpochReports.Address address;
    private final int timeoutMillis;
    private Socket socket;
    private DataOutputStream out;
    private InputStream in;

    EpochReporter(EpochReports.Address address, long timeoutMillis) {
        this.address = address;
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeoutMillis);
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
            int answer = in.read();
            if (answer != EpochReports.TRAIN_ON && answer != EpochReports.STOP) {
                throw new IOException(answer < 0 ? "the driver closed the connection" : "the driver answered " + answer);
            }
            return answer == EpochReports.TRAIN_ON;
        } catch (IOException e) {
            throw new IOException("replica 0 could not report epoch " + epoch + " to the driver at " + address.host()
                    + ":" + address.port() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
    }
}
