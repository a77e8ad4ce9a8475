package dev.gatun.spark.train;

import dev.gatun.train.ClusterTraining;
import org.apache.spark.SparkConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The driver's end of replica 0's epoch reports: a small TCP server on the driver's own address (where Spark's
 * executors already reach it) that keeps each epoch's report as it arrives. A failed stage attempt starts again
 * from the last one kept ({@link #startAttempt}), and the caller's {@link ClusterTraining.Progress} hears of each
 * epoch once, in order, on a thread of its own. Replica 0 hears back once the listener has been told, so the
 * replicas wait for it between epochs, as {@code gatun train} waits for its own epoch's evaluation: on
 * {@code local[N]} a listener that evaluates the model would otherwise compete with the replicas for the same
 * cores and slow down the epochs it reports on. Only this fit's replicas are heard: a report must open with the
 * random token they were given, and one from an attempt that has been given up is dropped.
 */
final class EpochReports implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EpochReports.class);

    /** The driver's answers to a report: it was kept, and the replicas train on, or stop after its epoch. */
    static final int TRAIN_ON = 1;
    static final int STOP = 2;

    /** Where replica 0 sends its reports, and what it must send first. */
    record Address(String host, int port, long tokenHi, long tokenLo, int attempt) implements Serializable {}

    private final ServerSocket server;
    private final String host;
    private final long tokenHi;
    private final long tokenLo;
    private final EpochReport[] epochs;
    private final ClusterTraining.Progress progress;
    private final ExecutorService listener;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    /** The stage attempt whose reports count; guarded by this. */
    private int attempt;
    /** The report of the last epoch kept; guarded by this. */
    private EpochReport latest;
    /** Epochs the listener has been told of; only its thread touches it. */
    private int told;
    private volatile Exception listenerFailure;
    /** Why the run failed when the listener let a diverged epoch pass; null while the losses are finite. */
    private volatile IllegalStateException divergence;
    /** The epoch the listener ended the run after (early stopping); 0 while it trains on. */
    private volatile int stoppedAfter;

    /** The state training starts from, before any report of this fit: after the epochs of a resumed run, or none. */
    private final TrainingState initial;

    EpochReports(SparkConf conf, int epochs, ClusterTraining.Progress progress) throws IOException {
        this(conf, epochs, progress, TrainingState.INITIAL);
    }

    /** Reports of the epochs after {@code initial}'s, up to {@code epochs} in all. */
    EpochReports(SparkConf conf, int epochs, ClusterTraining.Progress progress, TrainingState initial)
            throws IOException {
        if (initial.epochs() >= epochs) {
            throw new IllegalArgumentException("a run of " + epochs + " epochs cannot start after epoch " + initial.epochs());
        }
        this.initial = initial;
        this.told = initial.epochs();
        this.host = conf.get("spark.driver.host");
        this.server = new ServerSocket(0, 16, InetAddress.getByName(conf.get("spark.driver.bindAddress", host)));
        SecureRandom random = new SecureRandom();
        this.tokenHi = random.nextLong();
        this.tokenLo = random.nextLong();
        this.epochs = new EpochReport[epochs];
        this.progress = progress;
        this.listener = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("gatun-epoch-progress").factory());
        this.acceptor = Thread.ofPlatform().daemon().name("gatun-epoch-reports").start(this::accept);
    }

    /** Starts stage attempt {@code attempt}; returns the state it starts from: after the last epoch kept. */
    synchronized TrainingState startAttempt(int attempt) {
        this.attempt = attempt;
        return latest == null ? initial : latest.state();
    }

    Address address() {
        synchronized (this) {
            return new Address(host, server.getLocalPort(), tokenHi, tokenLo, attempt);
        }
    }

    /**
     * The report of every epoch after the initial state's, once the stage has succeeded; waits until the listener
     * has heard of each, and fails as the listener did, if it did.
     */
    EpochReport[] finish() throws InterruptedException {
        listener.shutdown();
        listener.awaitTermination(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
        RuntimeException ended = runEnd();
        if (ended != null) {
            throw ended;
        }
        synchronized (this) {
            int last = lastEpoch();
            for (int e = initial.epochs(); e < last; e++) {
                if (epochs[e] == null) {
                    throw new IllegalStateException("distributed training: replica 0 did not report epoch " + (e + 1)
                            + " of " + last);
                }
            }
            return Arrays.copyOfRange(epochs, initial.epochs(), last);
        }
    }

    /**
     * What a fit whose replicas' stage failed with {@code stageFailure} fails with, when the run had already ended in
     * failure: a divergence or the listener's own failure, the stage's failure suppressed inside it; null when it had
     * not (the caller may try the stage again). The replicas stop after such an epoch, so a stage failure that follows
     * (an executor lost on the way out, attempts run out) is not why the fit failed, and its message alone would hide
     * the reason. Waits for the listener to hear the reports kept so far.
     */
    RuntimeException endedBefore(RuntimeException stageFailure) throws InterruptedException {
        try {
            listener.submit(() -> { }).get();   // one thread, in order: every report kept before has been told
        } catch (java.util.concurrent.RejectedExecutionException | ExecutionException e) {
            // the listener has been shut down: it has heard all it will
        }
        RuntimeException ended = runEnd();
        if (ended != null) {
            ended.addSuppressed(stageFailure);
        }
        return ended;
    }

    /** The listener's failure or the divergence it found, whichever ended the run; null while neither has. */
    private RuntimeException runEnd() {
        if (listenerFailure != null) {
            return new IllegalStateException("the progress listener failed: " + listenerFailure.getMessage(),
                    listenerFailure);
        }
        return divergence;
    }

    /** The run's last epoch as it stands: the plan's, or the one the listener stopped the run after. */
    int lastEpoch() {
        int stop = stoppedAfter;
        return stop > 0 ? stop : epochs.length;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.add(socket);
                Thread.ofVirtual().name("gatun-epoch-report").start(() -> serve(socket));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.warn("epoch reports: accepting a connection failed: {}", e.getMessage());
                }
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()))) {
            if (in.readLong() != tokenHi || in.readLong() != tokenLo) {
                log.warn("epoch reports: dropped a connection from {} without this fit's token", socket.getRemoteSocketAddress());
                return;
            }
            while (true) {
                EpochReport report = EpochReport.read(in);
                Future<?> told = keep(report);
                if (told != null) {
                    told.get();
                }
                // Kept and told: replica 0 trains on, or has the replicas stop after this epoch.
                socket.getOutputStream().write(report.epoch() == stoppedAfter ? STOP : TRAIN_ON);
            }
        } catch (InterruptedException | ExecutionException | java.util.concurrent.CancellationException e) {
            // the fit is over: the listener was stopped
        } catch (EOFException e) {
            // replica 0 finished, or its attempt ended: a report cut short is not kept
        } catch (IOException e) {
            if (!server.isClosed()) {
                log.warn("epoch reports: a connection failed: {}", e.getMessage());
            }
        } finally {
            connections.remove(socket);
        }
    }

    /** Keeps a report of the current attempt and has the listener told of it; returns when that is done, or null. */
    private synchronized Future<?> keep(EpochReport report) {
        if (report.attempt() != attempt || report.epoch() <= initial.epochs() || report.epoch() > epochs.length) {
            return null;
        }
        epochs[report.epoch() - 1] = report.withoutCheckpoint();   // only the latest state is ever needed
        if (report.hasState()) {   // a diverged epoch's has none: the state before it stays the one to start from
            latest = report;
        }
        try {
            return listener.submit(() -> tell(report));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return null;   // the fit has finished or failed: nobody listens any more
        }
    }

    /** On the listener's thread: tells it of the next epoch; an epoch trained again after a failed attempt is not news. */
    private void tell(EpochReport report) {
        if (report.epoch() != told + 1 || listenerFailure != null) {
            return;
        }
        told = report.epoch();
        try {
            progress.epochFinished(new ClusterTraining.Epoch(report.epoch(), report.loss(), report.seconds(),
                    report.learningRate(), report.checkpoint()));
            if (!Double.isFinite(report.loss())) {
                // Every caller's fit fails here, the estimators' included (their listener does nothing with the
                // epoch it was just told of), rather than end with a model of NaN weights. The replicas ended the
                // epoch at the step that diverged, so the rate is that step's.
                divergence = new IllegalStateException(String.format(java.util.Locale.ROOT, "training diverged in"
                        + " epoch %d (learning rate %.3g): its training loss is %s; lower the learning rate (or add"
                        + " decay)", report.epoch(), report.learningRate(), report.loss()));
                stoppedAfter = report.epoch();
            } else if (report.epoch() < epochs.length && !progress.trainOnAfter(report.epoch())) {
                stoppedAfter = report.epoch();
            }
        } catch (Exception e) {
            listenerFailure = e;
            // The fit fails with this at its end: the replicas stop after this epoch rather than train the rest of
            // the run, unheard (no checkpoints, no early stopping) and thrown away.
            stoppedAfter = report.epoch();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : connections) {
            socket.close();
        }
        for (Runnable untold : listener.shutdownNow()) {
            if (untold instanceof Future<?> future) {
                future.cancel(false);   // frees a connection's thread waiting for it
            }
        }
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
