package dev.gatun.data;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The cache file a parsed CSV table lives in, so that it can be memory-mapped like a decompressed IDX file: a 64-byte
 * header, the float32 feature rows, then one int32 label or {@code targetWidth} float32 targets per row, then the
 * column and class names. Everything is in the machine's native byte order (the header's order mark says which; a
 * file of the other order is rebuilt), so the mapped rows go to the kernels as they are.
 *
 * <pre>
 * 0  "GATUNTBL"   8  order mark 0x01020304   12 version   16 rows (i64)   24 features   28 target width (0: labels)
 * 32 classes      40 names offset (i64)      48 names length (i64)        56 reserved
 * </pre>
 *
 * The rows are written as they are parsed, through two fixed buffers (features in this file, labels or targets in a
 * side file appended at the end), so writing a table of any size takes constant heap.
 */
final class TableFile {
    static final int HEADER = 64;
    private static final long MAGIC = 0x4C42544E55544147L; // "GATUNTBL" read as a little-endian long
    private static final int ORDER_MARK = 0x01020304;
    private static final int VERSION = 1;
    private static final int BUFFER = 1 << 20;

    private TableFile() {}

    /** How far a table's writer writes between looks at its disk's free space. */
    static final long ROOM_CHECK_BYTES = 64L << 20;

    /** Streams rows into {@code file}; {@link #finish} completes it. Closing without finishing leaves garbage to delete. */
    static final class Writer implements AutoCloseable {
        private final Path file;
        private final Path side;
        private final FileChannel main;
        private final FileChannel sideChannel;
        private final ByteBuffer rowsOut = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.nativeOrder());
        private final ByteBuffer sideOut = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.nativeOrder());
        private final int features;
        private final int targetWidth;
        private long rows;
        /** Bytes to write before the next look at the disk's free space ({@link CacheEntries#requireRoom}). */
        private long untilRoomCheck;

        Writer(Path file, int features, int targetWidth) throws IOException {
            this.file = file;
            this.side = file.resolveSibling(file.getFileName() + ".labels");
            this.features = features;
            this.targetWidth = targetWidth;
            this.main = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            FileChannel opened = null;
            try {
                opened = FileChannel.open(side, StandardOpenOption.READ, StandardOpenOption.WRITE,
                        StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
            } finally {
                if (opened == null) {
                    main.close();
                }
            }
            this.sideChannel = opened;
            main.position(HEADER);
        }

        long rows() {
            return rows;
        }

        /** One row: its features and its provisional class id (remapped in {@link #finish}). */
        void add(float[] row, int label) throws IOException {
            putFeatures(row);
            if (sideOut.remaining() < 4) {
                drain(sideOut, sideChannel);
            }
            sideOut.putInt(label);
            rows++;
        }

        /** One row: its features and its targets. */
        void add(float[] row, float[] targets) throws IOException {
            putFeatures(row);
            for (int j = 0; j < targetWidth; j++) {
                if (sideOut.remaining() < 4) {
                    drain(sideOut, sideChannel);
                }
                sideOut.putFloat(targets[j]);
            }
            rows++;
        }

        private void putFeatures(float[] row) throws IOException {
            for (int j = 0; j < features; j++) {
                if (rowsOut.remaining() < 4) {
                    drain(rowsOut, main);
                }
                rowsOut.putFloat(row[j]);
            }
        }

        /**
         * Appends the labels (each provisional id {@code i} becoming {@code remap[i]}; null for targets), the names
         * and the header, and forces the file to disk.
         */
        void finish(int[] remap, int classes, List<String> featureNames, List<String> classNames) throws IOException {
            try {
                write(remap, classes, featureNames, classNames);
            } catch (IOException e) {
                throw cannotWrite(e);
            }
        }

        private void write(int[] remap, int classes, List<String> featureNames, List<String> classNames)
                throws IOException {
            drain(rowsOut, main);
            drain(sideOut, sideChannel);
            long remaining = sideChannel.size();
            sideChannel.position(0);
            while (remaining > 0) {
                // The buffer and the side file are whole multiples of 4 bytes, so every chunk holds whole values.
                sideOut.clear().limit((int) Math.min(sideOut.capacity(), remaining));
                while (sideOut.hasRemaining()) {
                    if (sideChannel.read(sideOut) < 0) {
                        throw new IOException(side + " ended " + remaining + " bytes early while it was being copied");
                    }
                }
                sideOut.flip();
                if (remap != null) {
                    for (int at = 0; at < sideOut.limit(); at += 4) {
                        sideOut.putInt(at, remap[sideOut.getInt(at)]);
                    }
                }
                remaining -= sideOut.limit();
                while (sideOut.hasRemaining()) {
                    main.write(sideOut);
                }
            }
            long namesOffset = main.position();
            ByteBuffer names = encodeNames(featureNames, classNames);
            while (names.hasRemaining()) {
                main.write(names);
            }
            ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.nativeOrder());
            header.putLong(0, MAGIC).putInt(8, ORDER_MARK).putInt(12, VERSION).putLong(16, rows).putInt(24, features)
                    .putInt(28, targetWidth).putInt(32, classes).putLong(40, namesOffset)
                    .putLong(48, main.position() - namesOffset);
            main.write(header, 0);
            main.force(true);
        }

        private void drain(ByteBuffer buffer, FileChannel channel) throws IOException {
            buffer.flip();
            untilRoomCheck -= buffer.remaining();
            if (untilRoomCheck <= 0) {
                // The rows' size is known only at the end (a gzipped table may expand without limit): look ahead by
                // one stretch at a time, so a table larger than the disk stops with room left.
                CacheEntries.requireRoom(file.getParent(), ROOM_CHECK_BYTES);
                untilRoomCheck = ROOM_CHECK_BYTES;
            }
            try {
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } catch (IOException e) {
                throw cannotWrite(e);
            }
            buffer.clear();
        }

        private IOException cannotWrite(IOException e) {
            return CacheEntries.cannotWrite(file, e);
        }

        @Override
        public void close() throws IOException {
            try (main; sideChannel) {
                Files.deleteIfExists(side);
            }
        }
    }

    /**
     * Maps a finished table file as {@code name}; null when the file is not a complete table of this version and
     * byte order (then the caller rebuilds it).
     */
    static Table open(Path file, String name) throws IOException {
        long size = Files.size(file);
        if (size < HEADER) {
            return null;
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            Table table = read(whole, name, arena);
            if (table == null) {
                arena.close();
            }
            return table;
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static Table read(MemorySegment whole, String name, Arena arena) {
        ValueLayout.OfLong i64 = ValueLayout.JAVA_LONG_UNALIGNED;
        ValueLayout.OfInt i32 = ValueLayout.JAVA_INT_UNALIGNED;
        if (whole.get(i64, 0) != MAGIC || whole.get(i32, 8) != ORDER_MARK || whole.get(i32, 12) != VERSION) {
            return null;
        }
        long rows = whole.get(i64, 16);
        int features = whole.get(i32, 24);
        int targetWidth = whole.get(i32, 28);
        int classes = whole.get(i32, 32);
        long namesOffset = whole.get(i64, 40);
        long namesLength = whole.get(i64, 48);
        if (rows < 1 || rows > DataSet.MAX_SAMPLES || features < 1 || targetWidth < 0 || classes < 0) {
            return null;
        }
        long featureBytes;
        long labelBytes;
        try {
            featureBytes = Math.multiplyExact(4 * rows, features);
            labelBytes = Math.multiplyExact(4 * rows, Math.max(1, targetWidth));
        } catch (ArithmeticException damaged) {
            return null;
        }
        if (namesOffset != HEADER + featureBytes + labelBytes || namesLength < 0
                || namesOffset + namesLength != whole.byteSize()) {
            return null;
        }
        List<List<String>> names = decodeNames(whole.asSlice(namesOffset, namesLength));
        if (names == null) {
            return null;
        }
        MemorySegment x = whole.asSlice(HEADER, featureBytes);
        MemorySegment y = whole.asSlice(HEADER + featureBytes, labelBytes);
        if (targetWidth == 0 && !labelsBelow(y, rows, classes)) {
            return null;   // a changed entry, not the user's file: parsed again, never reported as their data's fault
        }
        return targetWidth > 0
                ? new Table(name, arena, x, (int) rows, features, null, 0, y, targetWidth, names.get(0), List.of())
                : new Table(name, arena, x, (int) rows, features, y, classes, null, 0, names.get(0), names.get(1));
    }

    private static boolean labelsBelow(MemorySegment labels, long rows, int classes) {
        for (long i = 0; i < rows; i++) {
            int label = labels.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i);
            if (label < 0 || label >= classes) {
                return false;
            }
        }
        return true;
    }

    private static ByteBuffer encodeNames(List<String> featureNames, List<String> classNames) {
        List<byte[]> encoded = new ArrayList<>();
        int bytes = 8;
        for (List<String> list : List.of(featureNames, classNames)) {
            for (String n : list) {
                byte[] b = n.getBytes(StandardCharsets.UTF_8);
                encoded.add(b);
                bytes += 4 + b.length;
            }
        }
        ByteBuffer out = ByteBuffer.allocate(bytes).order(ByteOrder.nativeOrder());
        int k = 0;
        for (List<String> list : List.of(featureNames, classNames)) {
            out.putInt(list.size());
            for (int i = 0; i < list.size(); i++) {
                byte[] b = encoded.get(k++);
                out.putInt(b.length).put(b);
            }
        }
        return out.flip();
    }

    private static List<List<String>> decodeNames(MemorySegment block) {
        ByteBuffer in = block.asByteBuffer().order(ByteOrder.nativeOrder());
        List<List<String>> lists = new ArrayList<>();
        try {
            for (int l = 0; l < 2; l++) {
                int count = in.getInt();
                // Bounded by the bytes left before anything is allocated: a damaged length of 2^31 made an
                // OutOfMemoryError, which no catch below turns into "parse the file again".
                if (count < 0 || count > in.remaining() / 4) {
                    return null;
                }
                List<String> names = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    int length = in.getInt();
                    if (length < 0 || length > in.remaining()) {
                        return null;
                    }
                    byte[] b = new byte[length];
                    in.get(b);
                    names.add(new String(b, StandardCharsets.UTF_8));
                }
                lists.add(names);
            }
        } catch (RuntimeException damaged) {
            return null;
        }
        return lists;
    }
}
