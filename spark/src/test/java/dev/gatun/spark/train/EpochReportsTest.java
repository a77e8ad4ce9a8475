package dev.gatun.spark.train;

import dev.gatun.train.ClusterTraining;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The epoch reports between replica 0 and the driver, over loopback without Spark: what the driver keeps, where a
 * new attempt starts, what the listener hears, and what it refuses.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class EpochReportsTest {
    private static final SparkConf CONF = new SparkConf(false).set("spark.driver.host", "127.0.0.1");

    private static byte[] state(int epoch) {
        return new byte[] {(byte) epoch, 42};
    }

    private static void send(EpochReports.Address address, int... epochs) throws IOException {
        try (EpochReporter reporter = new EpochReporter(address, 10_000, 10_000, () -> false)) {
            for (int epoch : epochs) {
                reporter.send(epoch, 1.0 / epoch, 2.0, 0.5, 1e-3, state(epoch));
            }
        }
    }

    @Test
    void anAttemptStartsAfterTheLastEpochReportedAndTheListenerHearsEachEpochOnce() throws Exception {
        List<Integer> heard = new CopyOnWriteArrayList<>();
        try (EpochReports reports = new EpochReports(CONF, 4, epoch -> heard.add(epoch.epoch()))) {
            assertNull(reports.startAttempt(1).checkpoint(), "the first attempt starts from the initial weights");
            EpochReports.Address first = reports.address();
            send(first, 1, 2);
            TrainingState start = reports.startAttempt(2);
            assertEquals(2, start.epochs());
            assertArrayEquals(state(2), start.checkpoint());
            send(first, 3);   // the given-up attempt's replica 0, still running: not kept
            assertEquals(2, reports.startAttempt(2).epochs());
            send(reports.address(), 2, 3, 4);   // epoch 2 again: kept, not news to the listener
            EpochReport[] epochs = reports.finish();
            assertEquals(4, epochs.length);
            for (int e = 0; e < 4; e++) {
                assertEquals(e + 1, epochs[e].epoch());
                assertEquals(1.0 / (e + 1), epochs[e].loss());
            }
            assertEquals(List.of(1, 2, 3, 4), heard);
        }
    }

    /**
     * A listener that stops the run after epoch 2 of 4 (early stopping): replica 0 hears "stop" in answer to that
     * report and "train on" before it, the fit ends with two epochs, and an attempt after a failure ends there too.
     */
    @Test
    void aListenerThatStopsTheRunEndsItAfterThatEpoch() throws Exception {
        ClusterTraining.Progress stopAfterTwo = new ClusterTraining.Progress() {
            @Override
            public void epochFinished(ClusterTraining.Epoch epoch) {}

            @Override
            public boolean trainOnAfter(int epoch) {
                return epoch < 2;
            }
        };
        try (EpochReports reports = new EpochReports(CONF, 4, stopAfterTwo)) {
            reports.startAttempt(1);
            assertEquals(4, reports.lastEpoch());
            try (EpochReporter reporter = new EpochReporter(reports.address(), 10_000, 10_000, () -> false)) {
                assertTrue(reporter.send(1, 1.0, 2.0, 0.5, 1e-3, state(1)), "train on after epoch 1");
                assertFalse(reporter.send(2, 0.5, 2.0, 0.5, 1e-3, state(2)), "stop after epoch 2");
            }
            assertEquals(2, reports.lastEpoch(), "an attempt after a failure ends where the run stopped");
            assertEquals(2, reports.startAttempt(2).epochs());
            EpochReport[] epochs = reports.finish();
            assertEquals(2, epochs.length);
            assertEquals(2, epochs[1].epoch());
        }
    }

    /** A resumed run's reports start after its checkpoint's epochs; earlier ones are not its own. */
    @Test
    void aRunResumedAfterTwoEpochsReportsTheRest() throws Exception {
        List<Integer> heard = new CopyOnWriteArrayList<>();
        TrainingState resumed = new TrainingState(2, state(2));
        try (EpochReports reports = new EpochReports(CONF, 4, epoch -> heard.add(epoch.epoch()), resumed)) {
            assertArrayEquals(state(2), reports.startAttempt(1).checkpoint(), "the first attempt starts from the checkpoint");
            send(reports.address(), 1, 3, 4);   // an epoch before the start is not this run's: not kept
            EpochReport[] epochs = reports.finish();
            assertEquals(2, epochs.length);
            assertEquals(3, epochs[0].epoch());
            assertEquals(List.of(3, 4), heard);
        }
    }

    @Test
    void aConnectionWithoutTheTokenIsNotHeardAndAMissingEpochFailsTheFit() throws Exception {
        try (EpochReports reports = new EpochReports(CONF, 2, epoch -> {})) {
            reports.startAttempt(1);
            EpochReports.Address real = reports.address();
            EpochReports.Address forged = new EpochReports.Address(real.host(), real.port(), 1, 2, real.attempt());
            IOException refused = assertThrows(IOException.class, () -> send(forged, 1));
            assertTrue(refused.getMessage().contains("could not report epoch 1"), refused.getMessage());
            send(real, 1);
            IllegalStateException missing = assertThrows(IllegalStateException.class, reports::finish);
            assertTrue(missing.getMessage().contains("did not report epoch 2 of 2"), missing.getMessage());
        }
    }

    /** A listener that fails (a checkpoint on a full disk) stops the replicas after that epoch and fails the fit. */
    @Test
    void aListenerThatFailsStopsTheRunAndFailsTheFit() throws Exception {
        try (EpochReports reports = new EpochReports(CONF, 4, epoch -> {
            throw new IllegalStateException("disk full");
        })) {
            reports.startAttempt(1);
            try (EpochReporter reporter = new EpochReporter(reports.address(), 10_000, 10_000, () -> false)) {
                assertFalse(reporter.send(1, 1.0, 2.0, 0.5, 1e-3, state(1)), "stop after epoch 1, not train on");
            }
            assertEquals(1, reports.lastEpoch());
            IllegalStateException e = assertThrows(IllegalStateException.class, reports::finish);
            assertTrue(e.getMessage().contains("disk full"), e.getMessage());
        }
    }

    /**
     * A stage that fails after an epoch diverged (an executor lost as the replicas stop, or the last attempt spent)
     * fails the fit with the divergence, the stage's failure inside it; before any divergence it is the caller's to
     * retry or throw.
     */
    @Test
    void aStageFailureAfterADivergenceFailsTheFitWithTheDivergence() throws Exception {
        try (EpochReports reports = new EpochReports(CONF, 3, epoch -> {})) {
            reports.startAttempt(1);
            IllegalStateException lost = new IllegalStateException("executor 1 lost");
            assertNull(reports.endedBefore(lost), "nothing has gone wrong before the stage's failure");
            try (EpochReporter reporter = new EpochReporter(reports.address(), 10_000, 10_000, () -> false)) {
                assertTrue(reporter.send(1, 0.7, 2.0, 0.5, 1e-3, state(1)), "a finite epoch 1: train on");
                // A diverged epoch's report carries no state: no model file holds its weights.
                assertFalse(reporter.send(2, Double.NaN, 2.0, 0.5, 1e-3, EpochReport.NO_STATE), "a diverged epoch 2: stop");
            }
            RuntimeException fit = reports.endedBefore(lost);
            assertTrue(fit.getMessage().contains("training diverged in epoch 2"), fit.getMessage());
            assertEquals(List.of(lost), List.of(fit.getSuppressed()));
            TrainingState before = reports.startAttempt(2);
            assertEquals(1, before.epochs(), "the state to start from stays epoch 1's");
            assertArrayEquals(state(1), before.checkpoint());
        }
    }

    /** The same after a listener's failure: the fit fails with what the listener threw. */
    @Test
    void aStageFailureAfterTheListenerFailedFailsTheFitWithTheListenersFailure() throws Exception {
        try (EpochReports reports = new EpochReports(CONF, 3, epoch -> {
            throw new IllegalStateException("disk full");
        })) {
            reports.startAttempt(1);
            send(reports.address(), 1);
            IllegalStateException lost = new IllegalStateException("executor 1 lost");
            RuntimeException fit = reports.endedBefore(lost);
            assertTrue(fit.getMessage().contains("disk full"), fit.getMessage());
            assertEquals(List.of(lost), List.of(fit.getSuppressed()));
        }
    }

    /** A report cut short (replica 0 lost while it sent) is not kept. */
    @Test
    void aReportCutShortIsNotKept() throws Exception {
        try (EpochReports reports = new EpochReports(CONF, 2, epoch -> {})) {
            reports.startAttempt(1);
            EpochReports.Address address = reports.address();
            send(address, 1);
            try (Socket socket = new Socket(address.host(), address.port());
                 DataOutputStream out = new DataOutputStream(socket.getOutputStream())) {
                out.writeLong(address.tokenHi());
                out.writeLong(address.tokenLo());
                out.writeInt(address.attempt());
                out.writeInt(2);
                out.writeDouble(0.5);
            }
            Thread.sleep(200);   // the driver reads the connection to its end
            assertEquals(1, reports.startAttempt(2).epochs());
        }
    }
}
