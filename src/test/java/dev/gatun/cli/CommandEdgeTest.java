package dev.gatun.cli;

import dev.gatun.nn.Loss;
import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.gatun.cli.CommandRun.assertOneLineError;
import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.*;

/** Whatever goes wrong, an Error included, the command line ends with one safe line and a non-zero exit. */
class CommandEdgeTest {
    @TempDir
    Path dir;

    /** A file-system exception without a reason used to print only its path: "gatun: /tmp/probe3/cls.csv". */
    @Test
    void aFileProblemSaysWhatItIsNotOnlyWhere() throws IOException {
        assertEquals("/tmp/x.csv: no such file or directory", Main.oneLine(new java.nio.file.NoSuchFileException("/tmp/x.csv")));
        assertEquals("/a -> /b: permission denied", Main.oneLine(new java.nio.file.AccessDeniedException("/a", "/b", null)));
        assertEquals("/c: is not a directory", Main.oneLine(new java.nio.file.NotDirectoryException("/c")));
        assertEquals("/d: disk full", Main.oneLine(new java.nio.file.FileSystemException("/d", null, "disk full")),
                "a reason given is kept as it was");
        Path file = Files.writeString(dir.resolve("plain.csv"), "1,2\n");
        Path model = TrainedClassifier.untrained(dir.resolve("m.gatun"), 6, 3, Loss.SOFTMAX_CROSS_ENTROPY);
        CommandRun run = gatun("export", "--onnx", model.toString(), file.resolve("x.onnx").toString());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertEquals("gatun: OUT " + file.resolve("x.onnx") + ": " + file + " is not a directory", run.err().strip());
    }

    @Test
    void aModelTooLargeForTheMachineIsOneLineAndAnOutOfMemoryErrorWouldBeToo() throws IOException {
        Path data = LearnableData.write(dir.resolve("data"), 100, 20, 1, false);
        // A million-by-million hidden layer is 4 TB of weights: refused against the machine's memory before any
        // allocation (off-heap memory has no -Xmx, and a size that fits the address space is killed, not refused).
        CommandRun run = gatun("train", "--data", data.toString(), "--layers", "64,1000000,1000000,4", "--epochs", "1", "--dev", "10");
        assertOneLineError(run, Main.EXIT_USAGE, "GB of memory to train, more than this machine's");
        // What reaches the command's error path as an OutOfMemoryError says what to do.
        String oom = Main.describe(new OutOfMemoryError("Java heap space"));
        assertTrue(oom.startsWith("out of memory (Java heap space)") && oom.contains("GATUN_JAVA_OPTS=-Xmx"), oom);
    }

    @Test
    void anIdxFileDeclaringTwoBillionImagesIsTooLargeNotAnError() throws IOException {
        Path data = Files.createDirectories(dir.resolve("huge"));
        int n = Integer.MAX_VALUE;
        for (String prefix : new String[] {"train", "t10k"}) {
            sparseIdx(data.resolve(prefix + "-images-idx3-ubyte"), new int[] {n, 1, 1});
            sparseIdx(data.resolve(prefix + "-labels-idx1-ubyte"), new int[] {n});
        }
        Path model = TrainedClassifier.untrained(dir.resolve("m.gatun"), 1, 10, Loss.SOFTMAX_CROSS_ENTROPY);
        CommandRun run = gatun("eval", "--model", model.toString(), "--data", data.toString());
        assertOneLineError(run, 1, "images-idx3-ubyte", n + " images: too large");
    }

    /** An IDX file of unsigned bytes whose header declares {@code dims}, its body a hole (no disk used). */
    private static void sparseIdx(Path file, int[] dims) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(4 + 4 * dims.length);
        header.put(new byte[] {0, 0, 0x08, (byte) dims.length});
        long items = 1;
        for (int d : dims) {
            header.putInt(d);
            items *= d;
        }
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            out.write(header.array());
            out.setLength(header.capacity() + items);
        }
    }

    @Test
    void csvCellsInErrorsAreEscapedAndCut() throws IOException {
        Path model = TrainedClassifier.untrained(dir.resolve("m.gatun"), 3, 4, Loss.SOFTMAX_CROSS_ENTROPY);
        Path escape = Files.writeString(dir.resolve("escape.csv"), "1,2,3\n1,\u001b[2J\u001b]0;pwned\u0007,3\n");
        CommandRun escaped = gatun("predict", "--model", model.toString(), "--input", escape.toString());
        assertOneLineError(escaped, 1, "line 2 column 2", "\\x1b[2J");
        assertFalse(escaped.err().chars().anyMatch(c -> c < 0x20 && c != '\n'), "a control character reached stderr");

        Path huge = dir.resolve("huge.csv");
        Files.writeString(huge, "1,2,3\n1," + "7x".repeat(10_000_000) + ",3\n");
        CommandRun cut = gatun("predict", "--model", model.toString(), "--input", huge.toString());
        assertOneLineError(cut, 1, "line 2 column 2", "(20000000 characters)");
        assertTrue(cut.err().length() < 2_000, "the error line is " + cut.err().length() + " characters");
    }
}
