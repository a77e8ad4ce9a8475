package dev.gatun.cli;

import dev.gatun.files.AtomicReplace;
import dev.gatun.train.EpochStats;
import dev.gatun.train.History;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The PNG pictures the gatun command leaves behind, drawn with XChart. */
final class Plots {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 420;

    private Plots() {}

    /**
     * {@code dir} (given as {@code option}) can take the plots: it can be written, and each name the plots are written
     * under is free or a regular file that is none of {@code inputs}, the files the command reads (a directory there
     * would fail the run's end, after all the training; a link to the training data would have it overwritten).
     */
    static void checkDirectory(String option, Path dir, java.util.Map<String, Path> inputs) {
        OutputPaths.checkDirectory(option, dir);
        OutputPaths.requireReplaceableAt(option, dir, NAMES, inputs);
    }

    /** The names the plots are written under, in the directory given. */
    static final List<String> NAMES = List.of("loss-accuracy.png", "learning-rate.png", "confusion-matrix.png",
            "predicted-vs-actual.png", "tune-scatter.png");

    /** Loss and accuracy per epoch, train against dev, side by side in one PNG (a regression: the loss alone). */
    static Path lossAndAccuracy(History history, Path dir) throws IOException {
        double[] epochs = history.epochs().stream().mapToDouble(EpochStats::epoch).toArray();
        XYChart loss = lineChart("Cost J per epoch", "epoch", "loss");
        loss.addSeries("train", epochs, history.epochs().stream().mapToDouble(EpochStats::trainLoss).toArray());
        if (history.epochs().stream().allMatch(e -> Double.isNaN(e.trainAccuracy()))) {
            if (history.epochs().stream().anyMatch(e -> !Double.isNaN(e.devLoss()))) {
                loss.addSeries("dev", epochs, history.epochs().stream().mapToDouble(EpochStats::devLoss).toArray());
            }
            return save(List.of(loss), 1, 1, dir.resolve("loss-accuracy.png"));
        }
        XYChart accuracy = lineChart("Accuracy per epoch", "epoch", "accuracy (%)");
        accuracy.addSeries("train", epochs, history.epochs().stream().mapToDouble(e -> 100 * e.trainAccuracy()).toArray());
        if (history.epochs().stream().anyMatch(e -> !Double.isNaN(e.devLoss()))) {
            loss.addSeries("dev", epochs, history.epochs().stream().mapToDouble(EpochStats::devLoss).toArray());
            accuracy.addSeries("dev", epochs, history.epochs().stream().mapToDouble(e -> 100 * e.devAccuracy()).toArray());
        }
        return save(List.of(loss, accuracy), 1, 2, dir.resolve("loss-accuracy.png"));
    }

    static Path learningRate(History history, Path dir) throws IOException {
        XYChart chart = lineChart("Learning rate per epoch", "epoch", "learning rate");
        chart.addSeries("learning rate", history.epochs().stream().mapToDouble(EpochStats::epoch).toArray(),
                history.epochs().stream().mapToDouble(EpochStats::learningRate).toArray());
        chart.getStyler().setLegendVisible(false);
        return save(List.of(chart), 1, 1, dir.resolve("learning-rate.png"));
    }

    /** {@code counts[actual][predicted]} as a heat map with the count in each cell. */
    static Path confusionMatrix(long[][] counts, List<String> classNames, Path dir) throws IOException {
        int classes = counts.length;
        List<Number[]> cells = new ArrayList<>();
        for (int actual = 0; actual < classes; actual++) {
            for (int predicted = 0; predicted < classes; predicted++) {
                // HeatMap rows run bottom-up; flip so the first class is on top, as a confusion matrix is read.
                cells.add(new Number[]{predicted, classes - 1 - actual, counts[actual][predicted]});
            }
        }
        List<String> predictedAxis = classNames;
        List<String> actualAxis = new ArrayList<>(classNames).reversed();
        HeatMapChart chart = new HeatMapChartBuilder().width(760).height(640).title("Confusion matrix (rows: actual, columns: predicted)")
                .xAxisTitle("predicted").yAxisTitle("actual").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setPlotContentSize(1.0);
        chart.getStyler().setRangeColors(new Color[]{new Color(0xF7FBFF), new Color(0x6BAED6), new Color(0x08306B)});
        chart.getStyler().setXAxisLabelRotation(30);
        chart.addSeries("counts", predictedAxis, actualAxis, cells);
        return save(List.of(chart), 1, 1, dir.resolve("confusion-matrix.png"));
    }

    /**
     * A regression's predictions against the true values, one point per sample, with the line ŷ = y on which a
     * perfect model's points would lie.
     */
    static Path predictedVsActual(float[] actual, float[] predicted, String title, Path dir) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(WIDTH).title(title).xAxisTitle("actual")
                .yAxisTitle("predicted").build();
        double[] x = new double[actual.length];
        double[] y = new double[predicted.length];
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++) {
            x[i] = actual[i];
            y[i] = predicted[i];
            lo = Math.min(lo, Math.min(x[i], y[i]));
            hi = Math.max(hi, Math.max(x[i], y[i]));
        }
        XYSeries points = chart.addSeries("samples", x, y);
        points.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        points.setMarker(SeriesMarkers.CIRCLE);
        XYSeries identity = chart.addSeries("predicted = actual", new double[] {lo, hi}, new double[] {lo, hi});
        identity.setMarker(SeriesMarkers.NONE);
        identity.setLineColor(Color.GRAY);
        chart.getStyler().setMarkerSize(4);
        return save(List.of(chart), 1, 1, dir.resolve("predicted-vs-actual.png"));
    }

    /** One random-search trial for the tuning scatter. */
    record TrialPoint(double learningRate, double lambda, double devAccuracy) {}

    /** log10(learning rate) against log10(λ), each point coloured by its dev accuracy band. */
    static Path tuningScatter(List<TrialPoint> trials, Path dir) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Random search: dev accuracy")
                .xAxisTitle("log10 learning rate").yAxisTitle("log10 lambda").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(10);
        double lo = trials.stream().mapToDouble(TrialPoint::devAccuracy).min().orElse(0);
        double hi = trials.stream().mapToDouble(TrialPoint::devAccuracy).max().orElse(1);
        int bands = 5;
        Color cold = new Color(0x2C7BB6);
        Color hot = new Color(0xD7191C);
        for (int band = 0; band < bands; band++) {
            double from = lo + (hi - lo) * band / bands;
            double to = band == bands - 1 ? Double.POSITIVE_INFINITY : lo + (hi - lo) * (band + 1) / bands;
            List<TrialPoint> inBand = trials.stream().filter(t -> t.devAccuracy() >= from && t.devAccuracy() < to).toList();
            if (inBand.isEmpty()) {
                continue;
            }
            String label = String.format("dev acc %.1f-%.1f%%", 100 * from, 100 * Math.min(to, hi));
            XYSeries series = chart.addSeries(label,
                    inBand.stream().mapToDouble(t -> Math.log10(t.learningRate())).toArray(),
                    inBand.stream().mapToDouble(t -> Math.log10(Math.max(t.lambda(), 1e-12))).toArray());
            series.setMarker(SeriesMarkers.CIRCLE);
            series.setMarkerColor(blend(cold, hot, bands == 1 ? 1 : band / (double) (bands - 1)));
        }
        return save(List.of(chart), 1, 1, dir.resolve("tune-scatter.png"));
    }

    /**
     * Starts drawing a throw-away line chart and heat map, in memory, on a daemon thread, and returns at once: the
     * first chart of a JVM loads Java2D, its fonts and XChart and runs them interpreted, over a second of CPU on one
     * thread. Started while the data loads and the JIT warms up (one core is free then), it leaves the real plots
     * only their drawing. Nothing is written; a failure here is left for the real plots to report. Returns the
     * (daemon) thread.
     */
    static Thread warmUpInBackground() {
        Thread warm = new Thread(() -> {
            try {
                XYChart line = lineChart("warm-up", "x", "y");
                line.addSeries("s", new double[] {1, 2, 3}, new double[] {3, 1, 2});
                HeatMapChart heat = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT).title("warm-up").build();
                heat.addSeries("s", new int[] {0, 1}, new int[] {0, 1}, new int[][] {{0, 1}, {2, 3}});
                javax.imageio.ImageIO.write(BitmapEncoder.getBufferedImage(line), "png", OutputStream.nullOutputStream());
                javax.imageio.ImageIO.write(BitmapEncoder.getBufferedImage(heat), "png", OutputStream.nullOutputStream());
            } catch (IOException | RuntimeException e) {
                // The real plots draw the same way and report their own failure.
            }
        }, "gatun-plots-warm-up");
        warm.setDaemon(true);
        warm.setPriority(Thread.MIN_PRIORITY);
        warm.start();
        return warm;
    }

    private static XYChart lineChart(String title, String x, String y) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
        chart.getStyler().setMarkerSize(6);
        return chart;
    }

    private static Color blend(Color a, Color b, double t) {
        return new Color((int) (a.getRed() + t * (b.getRed() - a.getRed())),
                (int) (a.getGreen() + t * (b.getGreen() - a.getGreen())),
                (int) (a.getBlue() + t * (b.getBlue() - a.getBlue())));
    }

    private static <T extends org.knowm.xchart.internal.chartpart.Chart<?, ?>> Path save(List<T> charts, int rows,
                                                                                          int cols, Path file) throws IOException {
        // Encoded in memory, then replaced whole: a failure part-way (a full disk) left a truncated PNG in place of
        // the last good one.
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(charts, rows, cols, png, BitmapEncoder.BitmapFormat.PNG);
        AtomicReplace.write(file, java.nio.ByteBuffer.wrap(png.toByteArray()));
        return file;
    }
}
