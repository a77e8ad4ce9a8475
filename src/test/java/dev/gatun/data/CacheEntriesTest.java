package dev.gatun.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A new version of a source replaces its cache entry; other sources, and other reading options, keep theirs. */
class CacheEntriesTest {
    @TempDir
    Path dir;

    @Test
    void aNewVersionOfAnIdxSourceReplacesItsEntryAndOnlyIts() throws IOException {
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        Path idx = cache.directory().resolve("idx");
        Files.createDirectories(idx);
        // Entries named the way earlier versions did: one hash. The same file name's is stale, another's is not ours.
        Path legacy = Files.writeString(idx.resolve("labels.0123456789abcdef.idx"), "old");
        Path otherName = Files.writeString(idx.resolve("images.0123456789abcdef.idx"), "old");
        Path unrelated = Files.writeString(idx.resolve("labels.notes.txt"), "keep");
        Path a = labels(dir.resolve("a").resolve("labels.gz"), 1, 2, 3);
        Path b = labels(dir.resolve("b").resolve("labels.gz"), 4, 5, 6);

        Path aFirst = cache.decompressed(a);
        Path bFirst = cache.decompressed(b);
        assertEquals(Set.of(aFirst, bFirst, otherName, unrelated), entries(idx),
                "two sources of one name keep an entry each; the legacy entry of that name is gone");
        assertTrue(Files.notExists(legacy));

        labels(a, 7, 8, 9, 10);
        Files.setLastModifiedTime(a, FileTime.fromMillis(Files.getLastModifiedTime(a).toMillis() + 5000));
        Path aSecond = cache.decompressed(a);
        assertEquals(Set.of(aSecond, bFirst, otherName, unrelated), entries(idx),
                "the new version replaced a's old entry and left b's");
        try (IdxFile file = IdxFile.open(a, cache)) {
            assertEquals(4, file.count());
            assertEquals(7.0, file.get(0));
        }
    }

    @Test
    void aCsvFileKeepsOneEntryPerReadingOptionsAndANewVersionReplacesIt() throws IOException {
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        Path csv = Files.writeString(dir.resolve("data.csv"), "x,y,label\n1,2,a\n3,4,b\n");
        try (Table byName = CsvReader.read(csv, CsvOptions.classification("label").withCache(cache));
             Table byNumber = CsvReader.read(csv, CsvOptions.classification("3").withCache(cache))) {
            assertEquals(2, byName.rows());
            assertEquals(2, byNumber.rows());
        }
        Path tables = cache.directory().resolve("csv");
        Set<Path> before = entries(tables);
        assertEquals(2, before.size(), "two label options, two entries: " + before);

        Files.writeString(csv, "x,y,label\n1,2,a\n3,4,b\n5,6,a\n");
        Files.setLastModifiedTime(csv, FileTime.fromMillis(Files.getLastModifiedTime(csv).toMillis() + 5000));
        try (Table changed = CsvReader.read(csv, CsvOptions.classification("label").withCache(cache))) {
            assertEquals(3, changed.rows());
        }
        Set<Path> after = entries(tables);
        assertEquals(2, after.size(), "the changed file replaced its 'label' entry, the '3' entry stays: " + after);
        after.retainAll(before);
        assertEquals(1, after.size(), "exactly one of the old entries is left: " + after);
    }

    private static Path labels(Path file, double... values) throws IOException {
        Files.createDirectories(file.getParent());
        return IdxTestFiles.write(file, IdxType.UNSIGNED_BYTE, new int[] {values.length}, values);
    }

    private static Set<Path> entries(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> !p.toString().endsWith(".partial")).collect(TreeSet::new, Set::add, Set::addAll);
        }
    }

    /**
     * A writer killed before it moved its entry into place left its partial file (and a table's .labels) for good. The
     * next writer deletes those of processes that no longer run, once unwritten for a minute, and leaves a running
     * one's alone, and one written just now whatever its process id says (a writer on another machine sharing the
     * cache has an id this one does not know).
     */
    @Test
    void partialFilesOfDeadWritersAreDeletedByTheNextWriter() throws IOException, InterruptedException {
        IdxCache cache = IdxCache.at(dir.resolve("cache"));
        Path csvDir = Files.createDirectories(cache.directory().resolve("csv"));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long dead = gone.pid();
        long alive = ProcessHandle.current().pid();
        Path deadPartial = Files.writeString(csvDir.resolve("big.csv.0123456789abcdef.0123456789abcdef.table." + dead
                + "-1f.partial"), "half");
        Path deadLabels = Files.writeString(csvDir.resolve(deadPartial.getFileName() + ".labels"), "half");
        java.nio.file.attribute.FileTime idle = java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - 2 * CacheEntries.IDLE_MILLIS);
        Files.setLastModifiedTime(deadPartial, idle);
        Files.setLastModifiedTime(deadLabels, idle);
        Path livePartial = Files.writeString(csvDir.resolve("big.csv.0123456789abcdef.0123456789abcdef.table." + alive
                + "-2e.partial"), "being written");
        Files.setLastModifiedTime(livePartial, idle);
        Path elsewhere = Files.writeString(csvDir.resolve("big.csv.0123456789abcdef.0123456789abcdef.table." + dead
                + "-3d.partial"), "being written on another machine");
        Path csv = Files.writeString(dir.resolve("small.csv"), "a,label\n1,x\n2,y\n");
        try (Table table = CsvReader.read(csv, CsvOptions.classification("label").withCache(cache))) {
            assertEquals(2, table.rows());
        }
        assertTrue(Files.notExists(deadPartial) && Files.notExists(deadLabels), "a dead writer's partial files stay");
        assertTrue(Files.exists(livePartial), "a running writer's partial file was deleted");
        assertTrue(Files.exists(elsewhere), "a partial file written just now was deleted");
        try (Stream<Path> left = Files.list(csvDir)) {
            assertEquals(Set.of(livePartial.getFileName().toString(), elsewhere.getFileName().toString()),
                    left.map(p -> p.getFileName().toString())
                    .filter(n -> n.contains(".partial")).collect(java.util.stream.Collectors.toSet()));
        }
    }
}
