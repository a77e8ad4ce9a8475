package dev.gatun.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A model file encoded in memory and not yet written ({@link ModelIo#encode}): the model's values were copied when
 * it was made, so the model may train on while {@link #write()} runs, on another thread if the caller likes (a
 * checkpoint written beside the next epoch's steps instead of holding them up while it reaches the disk).
 */
public final class EncodedModel {
    private final Path file;
    private final List<Section> sections;

    EncodedModel(Path file, List<Section> sections) {
        if (file == null) {
            throw new IllegalArgumentException("an encoded model needs the file it is to be written to, got null");
        }
        this.file = file;
        this.sections = List.copyOf(sections);
    }

    /** Where {@link #write()} puts it. */
    public Path file() {
        return file;
    }

    /** Writes the file atomically, as {@link ModelIo#save} does; again if called again. */
    public void write() throws IOException {
        ModelFile.write(file, sections);
    }
}
