package dev.gatun.cli;

import dev.gatun.train.EpochStats;
import dev.gatun.train.TrainingListener;

import java.io.PrintStream;

/**
 * Turns training progress into a redrawn bar on a terminal (batches, samples/s, loss, ETA) and into a few
 * plain lines per epoch when the output is a file or a pipe, so logs stay readable.
 */
final class ProgressBar implements TrainingListener {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private int epochs;
    private long lastDraw;
    private int lastPlainDecile;
    private long epochStart;

    ProgressBar(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    static boolean stdoutIsTerminal() {
        java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }

    @Override
    public void epochStarted(int epoch, int epochs, long batches) {
        this.epochs = epochs;
        lastDraw = 0;
        lastPlainDecile = 0;
        epochStart = System.nanoTime();
    }

    @Override
    public void batchFinished(int epoch, long batch, long batches, double loss, double samplesPerSecond) {
        long now = System.nanoTime();
        if (terminal) {
            if (now - lastDraw < REDRAW_NANOS && batch != batches) {
                return;
            }
            lastDraw = now;
            int filled = (int) (WIDTH * batch / batches);
            double etaSeconds = (now - epochStart) / 1e9 / batch * (batches - batch);
            out.printf("\repoch %d/%d [%s%s] %d/%d  %,.0f samples/s  loss %.4f  ETA %s   ", epoch, epochs,
                    "=".repeat(filled), " ".repeat(WIDTH - filled), batch, batches, samplesPerSecond, loss,
                    formatSeconds(etaSeconds));
            out.flush();
        } else {
            int decile = (int) (10 * batch / batches);
            if (decile > lastPlainDecile && decile < 10) {
                lastPlainDecile = decile;
                out.printf("epoch %d/%d  %3d%%  batch %d/%d  %,.0f samples/s  loss %.4f%n", epoch, epochs, decile * 10,
                        batch, batches, samplesPerSecond, loss);
            }
        }
    }

    @Override
    public void epochFinished(EpochStats s) {
        if (terminal) {
            out.print("\r" + " ".repeat(WIDTH + 90) + "\r");
        }
        out.println(epochLine(s));
    }

    /** An epoch's line; a regression has no accuracy, so its line shows the losses only. */
    static String epochLine(EpochStats s) {
        String dev = Double.isNaN(s.devLoss()) ? "" : String.format("  dev loss %.4f%s", s.devLoss(), accuracy(s.devAccuracy()));
        return String.format("epoch %d: train loss %.4f%s%s  lr %.3g  %,.0f samples/s  %.1f s", s.epoch(),
                s.trainLoss(), accuracy(s.trainAccuracy()), dev, s.learningRate(), s.samplesPerSecond(), s.seconds());
    }

    private static String accuracy(double accuracy) {
        return Double.isNaN(accuracy) ? "" : String.format(" acc %.2f%%", 100 * accuracy);
    }

    static String formatSeconds(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
