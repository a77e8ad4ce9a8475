package dev.gatun.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Child process for {@link AtomicSaveTest}: saves ever-newer 8 MB model files until it is killed. */
public final class SaveLoop {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        byte[] payload = new byte[8 << 20];
        for (int generation = 1; ; generation++) {
            Arrays.fill(payload, (byte) generation);
            ModelFile.write(file, List.of(new Section("DATA", payload)));
            System.out.println("saved " + generation);
        }
    }
}
