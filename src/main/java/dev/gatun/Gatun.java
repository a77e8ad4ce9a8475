package dev.gatun;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Facts about this build of Gatun that a program embedding it, or the {@code gatun} command, may report. */
public final class Gatun {
    private static final String VERSION_RESOURCE = "version.properties";

    private Gatun() {}

    /** Gatun's version as the build wrote it (the pom's {@code <version>}, e.g. {@code 0.1.0-SNAPSHOT}). */
    public static String version() {
        return Version.VALUE;
    }

    /** Holder idiom: the resource is read once, on first use. */
    private static final class Version {
        static final String VALUE = read();
    }

    private static String read() {
        try (InputStream in = Gatun.class.getResourceAsStream(VERSION_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("dev/gatun/" + VERSION_RESOURCE
                        + " is missing from Gatun's classes: build them with Maven, which writes it from pom.xml");
            }
            Properties properties = new Properties();
            properties.load(in);
            String version = properties.getProperty("version", "");
            if (version.isBlank() || version.contains("${")) {
                throw new IllegalStateException("dev/gatun/" + VERSION_RESOURCE + " holds no version ('" + version
                        + "'): build with Maven, which fills it in from pom.xml");
            }
            return version.strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dev/gatun/" + VERSION_RESOURCE, e);
        }
    }
}
