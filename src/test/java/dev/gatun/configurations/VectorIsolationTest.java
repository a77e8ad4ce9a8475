package dev.gatun.configurations;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Only dev.gatun.kernels.vector may name Vector API types: every other main source file must load in a JVM without
 * jdk.incubator.vector. KernelConfigurationsTest runs the slice there; this covers the code the slice does not reach.
 */
class VectorIsolationTest {
    private static final Path MAIN = Path.of("src", "main", "java");
    private static final Path VECTOR = MAIN.resolve(Path.of("dev", "gatun", "kernels", "vector"));
    /** An import of, or a qualified name in, the Vector API's package (its classes start with a capital). */
    private static final Pattern VECTOR_TYPE = Pattern.compile("jdk\\.incubator\\.vector\\.(\\*|[A-Z])");

    @Test
    void onlyTheVectorPackageImportsTheVectorApi() throws IOException {
        assertTrue(Files.isDirectory(VECTOR), "tests run from the project directory: " + VECTOR.toAbsolutePath());
        List<Path> offenders;
        try (Stream<Path> files = Files.walk(MAIN)) {
            offenders = files.filter(f -> f.toString().endsWith(".java") && !f.startsWith(VECTOR))
                    .filter(VectorIsolationTest::namesTheVectorApi).toList();
        }
        assertEquals(List.of(), offenders);
    }

    private static boolean namesTheVectorApi(Path file) {
        try {
            return VECTOR_TYPE.matcher(Files.readString(file)).find();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
