package dev.gatun.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** One writer per path: a second one fails at once naming the first, and a killed holder frees the path. */
class WriterLockTest {
    @TempDir
    Path dir;

    @Test
    void aSecondWriterInThisJvmIsRefusedUntilTheFirstCloses() throws Exception {
        Path model = dir.resolve("m.gatun");
        try (WriterLock first = WriterLock.acquire(model, "--out m.gatun")) {
            WriterLock.LockedException e = assertThrows(WriterLock.LockedException.class,
                    () -> WriterLock.acquire(model, "--out m.gatun"));
            assertTrue(e.getMessage().contains("--out m.gatun is being written by another run")
                    && e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
            // Another path is not affected.
            WriterLock.acquire(dir.resolve("other.gatun"), "other").close();
        }
        WriterLock.acquire(model, "--out m.gatun").close();
    }

    /** Writes follow symbolic links (AtomicReplace), so a link and the file it names are one path to lock. */
    @Test
    void aLinkAndTheFileItNamesShareOneLock() throws Exception {
        Path versions = java.nio.file.Files.createDirectories(dir.resolve("versions"));
        Path v3 = versions.resolve("v3.gatun");
        Path current = java.nio.file.Files.createSymbolicLink(dir.resolve("current.gatun"), Path.of("versions", "v3.gatun"));
        try (WriterLock first = WriterLock.acquire(current, "--out current.gatun")) {
            assertThrows(WriterLock.LockedException.class, () -> WriterLock.acquire(v3, "--out versions/v3.gatun"));
        }
        assertEquals(versions.resolve(".v3.gatun.lock"), WriterLock.lockFile(current));
        // Two outputs that are one file through a link, existing or not, are refused as one.
        UsageException same = assertThrows(UsageException.class,
                () -> OutputPaths.requireDistinct("--checkpoint", current, "--out", v3));
        assertTrue(same.getMessage().contains("is the --out file too"), same.getMessage());
    }

    @Test
    void anotherProcessHoldingThePathIsNamedAndItsDeathFreesThePath() throws Exception {
        Path model = dir.resolve("m.gatun");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), model.toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream()))) {
            assertEquals("locked", out.readLine(), "the holder process did not take the lock");
            WriterLock.LockedException e = assertThrows(WriterLock.LockedException.class,
                    () -> WriterLock.acquire(model, "--out " + model));
            assertTrue(e.getMessage().contains("pid " + holder.pid()), e.getMessage());
        } finally {
            holder.destroyForcibly(); // SIGKILL: the process cannot release anything itself
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        WriterLock.acquire(model, "--out " + model).close();
    }

    /** A separate JVM that takes the lock on its argument, says so, and holds it until killed. */
    public static final class LockHolder {
        public static void main(String[] args) throws Exception {
            WriterLock lock = WriterLock.acquire(Path.of(args[0]), args[0]);
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(120_000);
            lock.close();
        }
    }
}
