package dev.gatun.csv;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * A file's bytes, decompressed when it starts with the gzip magic number: text inputs (CSV tables, rows to predict)
 * may be gzipped whatever their names say. IDX files go through {@link dev.gatun.data.IdxCache} instead, which maps them.
 */
public final class MaybeGzipped {
    private static final int BUFFER = 1 << 16;

    private MaybeGzipped() {}

    public static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER);
        try {
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, BUFFER) : in;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }
}
