package dev.gatun;

import dev.gatun.blas.Blas;
import dev.gatun.nn.Model;
import dev.gatun.train.SanityChecks;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exported packages offer what a program builds on, not the hooks and entry points only tests use. */
class PublicApiTest {
    private static List<Method> publicMethods(Class<?> type) {
        return Arrays.stream(type.getDeclaredMethods()).filter(m -> Modifier.isPublic(m.getModifiers())).toList();
    }

    @Test
    void layer_decorators_are_not_public() {
        for (Class<?> type : List.of(Model.class, Model.Builder.class)) {
            for (Method m : publicMethods(type)) {
                assertTrue(Arrays.stream(m.getParameterTypes()).noneMatch(p -> p == UnaryOperator.class),
                        "public test hook " + m);
            }
        }
        assertTrue(publicMethods(SanityChecks.Builder.class).stream()
                .noneMatch(m -> m.getName().equals("decorator") || m.getName().equals("models")),
                "SanityChecks.Builder offers a public model hook");
    }

    @Test
    void blas_offers_gemm_axpy_and_the_library_controls_only() {
        Set<String> names = new TreeSet<>();
        publicMethods(Blas.class).forEach(m -> names.add(m.getName()));
        assertEquals(new TreeSet<>(List.of("axpy", "gemm", "info", "referenceGemm", "requireAvailable", "setThreads",
                "threads")), names);
    }
}
