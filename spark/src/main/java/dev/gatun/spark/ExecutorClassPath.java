package dev.gatun.spark;

import dev.gatun.Gatun;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * What a cluster's executors need to run Gatun when no {@code spark-submit} set it up: a worker starts its
 * executors with Spark's jars only, so a driver that starts its own session on a cluster master ({@code gatun train
 * --spark spark://host:7077}) lists Gatun's core and this module in {@code spark.jars}, which Spark serves to every
 * executor, and gives the executors Gatun's two JVM flags. Jars already given (by {@code spark-submit}'s
 * {@code --jars}, which arrives as a {@code spark.*} system property) are left as they are; executor JVM options
 * given that way keep theirs, with Gatun's flags added where missing.
 */
public final class ExecutorClassPath {
    /** The flags Gatun needs in every JVM; Spark adds its own {@code --add-opens} list to its executors. */
    static final String GATUN_FLAGS = "--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector";

    /** {@link #jars()}, found once per JVM; guarded by the class. */
    private static List<String> jars;

    private ExecutorClassPath() {}

    /** Sets {@code spark.jars} and the executors' flags on {@code builder}, for any master but a local one. */
    public static void configure(SparkSession.Builder builder, String master) {
        if (master.equals("local") || master.startsWith("local[")) {
            return;   // the executor is this JVM
        }
        SparkConf given = new SparkConf();   // reads the spark.* system properties
        if (!given.contains("spark.jars")) {
            builder.config("spark.jars", String.join(",", jars()));
        }
        String options = given.get("spark.executor.extraJavaOptions", "");
        String withGatun = withGatunFlags(options);
        if (!withGatun.equals(options)) {
            builder.config("spark.executor.extraJavaOptions", withGatun);
        }
    }

    /**
     * {@code options} with each of Gatun's flags it lacks appended. Options of the user's own (a collector, a heap
     * size) would otherwise replace them, and every replica then failed on the Vector API's missing module, three
     * times (a retriable failure) before the fit did. A flag given twice is harmless: the JVM adds modules and
     * native access up.
     */
    static String withGatunFlags(String options) {
        List<String> given = List.of(options.trim().split("\\s+"));
        StringBuilder merged = new StringBuilder(options.trim());
        for (String flag : GATUN_FLAGS.split(" ")) {
            if (!given.contains(flag)) {
                merged.append(merged.isEmpty() ? "" : " ").append(flag);
            }
        }
        return merged.toString();
    }

    /**
     * The jars that hold Gatun's core and this module, as this JVM loaded them; a class folder (a build's
     * {@code target/classes}, as an IDE or a test runs the core) is packed into a temporary jar first.
     * The core's one required dependency, SLF4J, comes with Spark.
     */
    public static synchronized List<String> jars() {
        if (jars != null) {
            return jars;
        }
        List<String> found = new ArrayList<>();
        for (Class<?> type : List.of(Gatun.class, ExecutorClassPath.class)) {
            Path location;
            try {
                location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
            } catch (URISyntaxException e) {
                throw new IllegalStateException("the location of " + type.getName() + ": " + e.getMessage(), e);
            }
            String jar = (Files.isDirectory(location) ? packed(location) : location).toString();
            if (!found.contains(jar)) {
                found.add(jar);
            }
        }
        jars = List.copyOf(found);
        return jars;
    }

    private static Path packed(Path folder) {
        try {
            Path jar = Files.createTempFile("gatun-" + folder.getParent().getFileName() + "-", ".jar");
            jar.toFile().deleteOnExit();
            jarOf(folder, jar);
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("packing " + folder + " into a jar for the executors: " + e.getMessage(), e);
        }
    }

    /** Writes a jar of every file under {@code folder}. */
    public static void jarOf(Path folder, Path jar) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
             Stream<Path> files = Files.walk(folder)) {
            for (Path path : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(folder.relativize(path).toString().replace('\\', '/')));
                Files.copy(path, out);
                out.closeEntry();
            }
        }
    }
}
