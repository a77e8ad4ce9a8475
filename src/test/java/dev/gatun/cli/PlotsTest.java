package dev.gatun.cli;

import dev.gatun.train.EpochStats;
import dev.gatun.train.History;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class PlotsTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    static History sampleHistory() {
        History h = new History();
        for (int e = 1; e <= 8; e++) {
            h.add(new EpochStats(e, 1.0 / e, 1 - 0.3 / e, 1.1 / e + 0.02 * e, 1 - 0.35 / e, 1e-3 / (1 + 0.5 * e), 20000, 3));
        }
        return h;
    }

    @Test
    void picturesAreWrittenAsPngsWithContent() throws IOException {
        BufferedImage curves = ImageIO.read(Plots.lossAndAccuracy(sampleHistory(), dir).toFile());
        assertTrue(curves.getWidth() >= 1200, "two charts side by side");
        assertNotUniform(curves);
        assertNotUniform(ImageIO.read(Plots.learningRate(sampleHistory(), dir).toFile()));
        long[][] counts = new long[10][10];
        for (int i = 0; i < 10; i++) {
            counts[i][i] = 900 + i;
            counts[i][(i + 1) % 10] = 100 - i;
        }
        List<String> names = IntStream.range(0, 10).mapToObj(i -> "class " + i).toList();
        assertNotUniform(ImageIO.read(Plots.confusionMatrix(counts, names, dir).toFile()));
        List<Plots.TrialPoint> trials = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            trials.add(new Plots.TrialPoint(Math.pow(10, -4 + i * 0.1), Math.pow(10, -5 + (i * 7 % 30) * 0.15), 0.7 + 0.01 * (i % 20)));
        }
        assertNotUniform(ImageIO.read(Plots.tuningScatter(trials, dir).toFile()));
        // Each written whole over the name (no temporary file left beside them).
        try (var files = java.nio.file.Files.list(dir)) {
            assertEquals(List.of("confusion-matrix.png", "learning-rate.png", "loss-accuracy.png", "tune-scatter.png"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    private static void assertNotUniform(BufferedImage image) {
        int first = image.getRGB(0, 0);
        long differing = 0;
        for (int y = 0; y < image.getHeight(); y += 4) {
            for (int x = 0; x < image.getWidth(); x += 4) {
                differing += image.getRGB(x, y) != first ? 1 : 0;
            }
        }
        assertTrue(differing > 500, "the picture must have drawn content, " + differing + " sampled pixels differ");
    }
}
