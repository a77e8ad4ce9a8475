package dev.gatun.kernels;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Chooses, once, whether kernels run their Vector API bodies or their scalar twins. The vector bodies live in
 * nested classes that are loaded only when chosen, so a JVM started without {@code jdk.incubator.vector} still
 * works: slower, and one log line says which flag to add. {@code -Dgatun.kernels=scalar} forces the twins
 * (for A/B comparisons and bisecting a kernel bug).
 */
public final class Vectorization {
    private static final Logger LOG = LoggerFactory.getLogger(Vectorization.class);
    public static final String PROPERTY = "gatun.kernels";

    static final boolean ENABLED = decide();

    private Vectorization() {}

    /** True when the kernels use the Vector API. */
    public static boolean enabled() {
        return ENABLED;
    }

    private static boolean decide() {
        String wanted = System.getProperty(PROPERTY, "vector").strip().toLowerCase(Locale.ROOT);
        if (wanted.equals("scalar")) {
            LOG.warn("-D{}=scalar: kernels run their scalar twins (7-10x slower)", PROPERTY);
            return false;
        }
        if (!wanted.equals("vector")) {
            // Thrown from a static initializer this would break every kernel for the JVM's life: say it, keep the default.
            LOG.error("-D{}={} is not a kernel mode (use 'vector' or 'scalar'); using 'vector'", PROPERTY, wanted);
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.warn("jdk.incubator.vector is not in the module graph, so kernels run their scalar twins (7-10x slower): "
                    + "add --add-modules=jdk.incubator.vector to the java command");
            return false;
        }
        return true;
    }
}
