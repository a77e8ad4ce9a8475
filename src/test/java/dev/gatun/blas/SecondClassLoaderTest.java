package dev.gatun.blas;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gatun loaded a second time, by another class loader of the same JVM (a second web application, a development
 * restart class loader), cannot load OpenBLAS: the JVM lets one class loader at a time own a native library. It used
 * to say OpenBLAS "was not found" and how to install it; it now says what happened and what to do.
 */
class SecondClassLoaderTest {
    @Test
    void aSecondClassLoaderIsToldTheLibraryBelongsToAnother() throws Exception {
        Blas.requireAvailable();   // this class loader owns the library now
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            urls.add(Path.of(entry).toUri().toURL());
        }
        // The platform loader as parent: Gatun's classes are defined again, as in a second application.
        try (URLClassLoader second = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            Class<?> blas = Class.forName(Blas.class.getName(), true, second);
            assertFalse(blas == Blas.class, "the premise: a second copy of the class");
            InvocationTargetException thrown = assertThrows(InvocationTargetException.class,
                    () -> blas.getMethod("requireAvailable").invoke(null));
            Throwable e = thrown.getCause();
            assertEquals(BlasUnavailableException.class.getName(), e.getClass().getName(), String.valueOf(e));
            assertTrue(e.getMessage().contains("is already loaded by another class loader in this JVM")
                    && e.getMessage().contains("Load Gatun once, from a class loader every part of the application "
                    + "shares"), e.getMessage());
            assertFalse(e.getMessage().contains("was not found") || e.getMessage().contains("apt-get"),
                    "not a missing library: " + e.getMessage());
        }
        Blas.requireAvailable();   // and the first loader's BLAS works on
    }
}
