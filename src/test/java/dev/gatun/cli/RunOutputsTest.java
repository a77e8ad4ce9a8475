package dev.gatun.cli;

import dev.gatun.train.LearnableData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.gatun.cli.CommandRun.assertOneLineError;
import static dev.gatun.cli.CommandRun.gatun;
import static org.junit.jupiter.api.Assertions.*;

/** What train writes is checked and locked before the first epoch, and resuming finishes the run it continues. */
class RunOutputsTest {
    @TempDir
    Path dir;

    private Path data() throws IOException {
        return LearnableData.write(dir.resolve("data"), 300, 100, 5, false);
    }

    private static List<String> train(Path data, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--layers", "64,8,4",
                "--lr", "1e-2", "--batch", "32", "--dev", "50", "--seed", "3"));
        args.addAll(List.of(more));
        return args;
    }

    /** A refused run takes no writer lock: none of its lock files is left in {@code folder}. */
    private static void assertNoLockFileIn(Path folder) throws IOException {
        try (var left = Files.list(folder)) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".lock")).toList());
        }
    }

    private static CommandRun gatunList(List<String> args) {
        return gatun(args.toArray(String[]::new));
    }

    @Test
    void unwritableOutputsFailBeforeTheFirstEpochNamingThePath() throws IOException {
        Path data = data();
        Path aFile = Files.writeString(dir.resolve("a-file"), "x");
        Path aDirectory = Files.createDirectories(dir.resolve("a-directory"));
        List<List<String>> bad = List.of(
                List.of("--out", aDirectory.toString()),
                List.of("--out", aFile.resolve("m.gatun").toString()),
                List.of("--out", dir.resolve("ok.gatun").toString(), "--checkpoint", aDirectory.toString()),
                List.of("--plots", aFile.toString()));
        for (List<String> options : bad) {
            CommandRun run = gatunList(train(data, concat(options, "--epochs", "1")));
            String path = options.get(options.size() - 1);
            assertOneLineError(run, 1, options.get(options.size() - 2), path);
            assertFalse((run.out() + run.err()).contains("epoch 1"), "trained before failing: " + run);
        }
    }

    /** A run refused for its options leaves nothing behind: no directory made for its outputs, no lock file. */
    @Test
    void aRefusedRunCreatesNoDirectoryAndNoLock() throws IOException {
        Path data = data();
        Path fresh = dir.resolve("fresh");
        List<List<String>> refused = List.of(
                List.of("--dev", "300", "--out", fresh.resolve("sub/m.gatun").toString(), "--plots", fresh.resolve("plots").toString()),
                List.of("--out", fresh.resolve("m.gatun").toString(), "--checkpoint", fresh.resolve("m.gatun").toString()),
                List.of("--out", fresh.resolve("m.gatun").toString(), "--checkpoint", data.resolve("train-labels-idx1-ubyte").toString()));
        List<String> why = List.of("--dev 300 leaves no training samples", "is the --out file too",
                "is the --data directory's train-labels-idx1-ubyte file");
        for (int i = 0; i < refused.size(); i++) {
            CommandRun run = gatunList(train(data, concat(refused.get(i), "--epochs", "1")));
            assertOneLineError(run, 2, why.get(i));
            assertTrue(Files.notExists(fresh), "made " + fresh + " for a refused run: " + refused.get(i));
        }
        assertNoLockFileIn(data);
    }

    /** The data directory's own files are inputs too: a model or checkpoint written over one would replace the data. */
    @Test
    void outputsOverTheDataDirectorysFilesAreRefused() throws IOException {
        Path data = data();
        Path images = data.resolve("train-images-idx3-ubyte");
        byte[] kept = Files.readAllBytes(images);
        for (String option : List.of("--out", "--checkpoint")) {
            CommandRun run = gatunList(train(data, option, images.toString(), "--epochs", "1"));
            assertOneLineError(run, 2, option + " " + images + " is the --data directory's train-images-idx3-ubyte file");
        }
        assertArrayEquals(kept, Files.readAllBytes(images));
        // A model beside the data files is fine: only the files the run reads are refused.
        assertEquals(0, gatunList(train(data, "--out", data.resolve("model.gatun").toString(), "--epochs", "1")).exit());
    }

    /**
     * An output named by a device, pipe or socket is refused before the first epoch and left as it is: the run's
     * atomic replace would have deleted it (as root, {@code --checkpoint /dev/null} replaced the system's /dev/null).
     */
    @Test
    void aSocketOrDeviceAsAnOutputIsRefusedAndKept() throws IOException {
        Path data = data();
        Path socket = dir.resolve("service.sock");
        try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(socket));
            for (List<String> options : List.of(List.of("--out", socket.toString()),
                    List.of("--out", dir.resolve("m.gatun").toString(), "--checkpoint", socket.toString()))) {
                CommandRun run = gatunList(train(data, concat(options, "--epochs", "1")));
                assertOneLineError(run, 1, options.get(options.size() - 2) + " " + socket + " is not a regular file"
                        + " (a device, pipe or socket); name the file to write");
                assertFalse(run.out().contains("epoch 1"), "trained before failing: " + run);
                assertTrue(Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).isOther(), "replaced: " + socket);
            }
        }
        assertNoLockFileIn(dir);
    }

    /** A plot's name that links to the training data is refused: the plot would have been drawn over the data. */
    @Test
    void aPlotThatIsTheDataIsRefusedAndTheDataKept() throws IOException {
        Path data = data();
        Path labels = data.resolve("train-labels-idx1-ubyte");
        byte[] kept = Files.readAllBytes(labels);
        Path plots = Files.createDirectories(dir.resolve("plots"));
        Files.createSymbolicLink(plots.resolve("learning-rate.png"), labels);
        CommandRun run = gatunList(train(data, "--plots", plots.toString(), "--epochs", "1"));
        assertOneLineError(run, 2, "--plots " + plots + ": " + plots.resolve("learning-rate.png") + " is the --data"
                + " directory's train-labels-idx1-ubyte file this run reads");
        assertFalse(run.out().contains("epoch 1"), "trained before failing: " + run);
        assertArrayEquals(kept, Files.readAllBytes(labels));
        // This run's own outputs too: a plot would have replaced the model or the checkpoint.
        plots = Files.createDirectories(dir.resolve("own-plots"));
        Path model = plots.resolve("loss-accuracy.png");
        CommandRun overModel = gatunList(train(data, "--plots", plots.toString(), "--out", model.toString(),
                "--epochs", "1"));
        assertOneLineError(overModel, 2, "--plots " + plots + ": " + model + " is the --out file too");
        Path checkpoint = dir.resolve("run.checkpoint");
        Files.createSymbolicLink(plots.resolve("confusion-matrix.png"), checkpoint);
        CommandRun overCheckpoint = gatunList(train(data, "--plots", plots.toString(), "--out",
                dir.resolve("m.gatun").toString(), "--checkpoint", checkpoint.toString(), "--epochs", "1"));
        assertOneLineError(overCheckpoint, 2, "--plots " + plots + ": " + plots.resolve("confusion-matrix.png")
                + " is the --checkpoint file too");
    }

    @Test
    void aSecondRunWithTheSameOutFailsAtStartNamingTheFirst() throws IOException {
        Path data = data();
        Path model = dir.resolve("m.gatun");
        try (WriterLock first = WriterLock.acquire(model, "--out " + model)) {
            CommandRun second = gatunList(train(data, "--epochs", "1", "--out", model.toString()));
            assertOneLineError(second, 1, "--out " + model, "being written by another run",
                    "pid " + ProcessHandle.current().pid());
            assertFalse(second.out().contains("epoch 1"), second.toString());
            assertFalse(Files.exists(model), "the refused run wrote the model");
        }
        // The checkpoint is guarded too: a run whose --out differs but whose checkpoint is taken is refused.
        Path checkpoint = dir.resolve("shared.checkpoint");
        try (WriterLock first = WriterLock.acquire(checkpoint, "--checkpoint " + checkpoint)) {
            CommandRun second = gatunList(train(data, "--epochs", "1", "--out", dir.resolve("other.gatun").toString(),
                    "--checkpoint", checkpoint.toString()));
            assertOneLineError(second, 1, checkpoint.toString(), "being written by another run");
        }
        assertEquals(0, gatunList(train(data, "--epochs", "1", "--out", model.toString())).exit(),
                "the path is free again once the first writer is done");
    }

    @Test
    void resumeWritesTheFinalModelToTheFirstRunsOut() throws IOException {
        Path data = data();
        Path model = dir.resolve("m.gatun");
        CommandRun first = gatunList(train(data, "--epochs", "1", "--out", model.toString()));
        assertEquals(0, first.exit(), first.toString());
        byte[] afterOne = Files.readAllBytes(model);
        CommandRun rest = gatun("train", "--data", data.toString(), "--resume", model + ".checkpoint", "--epochs", "2");
        assertEquals(0, rest.exit(), rest.toString());
        assertTrue(rest.out().contains("model written to " + model.toAbsolutePath()), rest.out());
        assertFalse(java.util.Arrays.equals(afterOne, Files.readAllBytes(model)), "the model still holds epoch 1");
        CommandRun again = gatun("train", "--data", data.toString(), "--resume", model + ".checkpoint", "--epochs", "2");
        assertOneLineError(again, 1, "has finished 2 epochs already", "--epochs N with N > 2");
    }

    /**
     * A {@code .best} an earlier run left at the checkpoint's path belongs to that run: resuming a later run without
     * early stopping's weights of its own leaves it out, instead of failing to copy weights of other widths into its
     * model. A {@code .best} written with another history (as a kill between the two writes leaves it) is left out too.
     */
    @Test
    void aBestFileOfAnotherRunIsLeftOutOnResume() throws IOException {
        Path data = data();
        Path model = dir.resolve("m.gatun");
        List<String> common = List.of("train", "--data", data.toString(), "--lr", "1e-2", "--batch", "32", "--dev", "50",
                "--seed", "3", "--epochs", "2", "--out", model.toString());
        CommandRun earlier = gatun(concat(common, "--layers", "64,32,4", "--early-stop", "2"));
        assertEquals(0, earlier.exit(), earlier.toString());
        Path best = Path.of(model + ".checkpoint.best");
        assertTrue(Files.exists(best));
        CommandRun later = gatun(concat(common, "--layers", "64,8,4"));
        assertEquals(0, later.exit(), later.toString());
        CommandRun resumed = gatun("train", "--resume", model + ".checkpoint", "--epochs", "3");
        assertEquals(0, resumed.exit(), resumed.toString());
        assertTrue(resumed.out().contains("ignoring " + best + ": it was written with another run or epoch"), resumed.out());

        // The same run's own .best, from a later epoch than its checkpoint: a kill between the two writes.
        Path own = dir.resolve("own.gatun");
        List<String> stopping = new ArrayList<>(common);
        stopping.set(stopping.indexOf(model.toString()), own.toString());
        assertEquals(0, gatun(concat(stopping, "--layers", "64,8,4", "--early-stop", "5")).exit());
        Path ownBest = Path.of(own + ".checkpoint.best");
        byte[] afterTwo = Files.readAllBytes(ownBest);
        Path copy = Files.copy(Path.of(own + ".checkpoint"), dir.resolve("two.checkpoint"));
        CommandRun three = gatun("train", "--resume", own + ".checkpoint", "--epochs", "3");
        assertEquals(0, three.exit(), three.toString());
        Files.copy(copy, Path.of(own + ".checkpoint"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertFalse(java.util.Arrays.equals(afterTwo, Files.readAllBytes(ownBest)), "epoch 3 wrote its .best");
        CommandRun again = gatun("train", "--resume", own + ".checkpoint", "--epochs", "3");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("ignoring " + ownBest), again.out());
    }

    @Test
    void anEarlyStoppedRunSaysSoInsteadOfTrainingOn() throws IOException {
        // Random labels: the network can only memorise, so the dev loss soon rises and patience 1 stops the run.
        Path data = LearnableData.write(dir.resolve("noise"), 300, 100, 5, true);
        Path model = dir.resolve("m.gatun");
        CommandRun first = gatunList(train(data, "--epochs", "30", "--early-stop", "1", "--out", model.toString()));
        assertEquals(0, first.exit(), first.toString());
        assertTrue(first.out().contains("early stopping"), "the run did not stop early: " + first.out());
        CommandRun resumed = gatun("train", "--data", data.toString(), "--resume", model + ".checkpoint",
                "--epochs", "40");
        assertOneLineError(resumed, 1, "stopped early", "is finished", model.toAbsolutePath().toString());
    }

    @Test
    void aRunWhosePatienceRanOutOnItsLastEpochIsFinishedToo() throws IOException {
        // The same noise and seed as above stop a 30-epoch run after epoch S. A run of exactly S epochs completes
        // (the check does not stop a run on its last epoch) with its patience spent: resuming it to 40 must not train
        // epoch S+1, which the 30-epoch run never did.
        Path data = LearnableData.write(dir.resolve("noise"), 300, 100, 5, true);
        CommandRun stopping = gatunList(train(data, "--epochs", "30", "--early-stop", "1", "--json"));
        assertEquals(0, stopping.exit(), stopping.toString());
        int s = (int) CommandRun.number(stopping.json(), "epochs");
        assertTrue(s < 30, "the 30-epoch run did not stop early: " + stopping);
        Path model = dir.resolve("exact.gatun");
        CommandRun exact = gatunList(train(data, "--epochs", Integer.toString(s), "--early-stop", "1", "--out",
                model.toString()));
        assertEquals(0, exact.exit(), exact.toString());
        CommandRun resumed = gatun("train", "--resume", model + ".checkpoint", "--epochs", "40");
        assertOneLineError(resumed, 1, "--early-stop patience of 1 ran out at its last epoch, " + s, "is finished");
    }

    private static String[] concat(List<String> a, String... b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}
