package dev.gatun.kernels;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Chooses, once per JVM, the {@link KernelProvider} every kernel uses, and logs one line saying which. The Vector API
 * provider when {@code jdk.incubator.vector} is in the boot layer and {@code -Dgatun.kernels} is not {@code scalar};
 * otherwise the scalar twins, and when it is the module that is missing the line names the flag to add.
 * {@code -Dgatun.kernels=scalar} is for A/B comparisons and bisecting a kernel bug.
 */
public final class Vectorization {
    private static final Logger LOG = LoggerFactory.getLogger(Vectorization.class);
    public static final String PROPERTY = "gatun.kernels";
    /** What a java command needs for the Vector API kernels. */
    public static final String FLAG = "--add-modules jdk.incubator.vector";

    static final KernelProvider PROVIDER = select();

    private Vectorization() {}

    /** True when the kernels use the Vector API. */
    public static boolean enabled() {
        return PROVIDER.name().equals("vector");
    }

    static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    private static KernelProvider select() {
        String wanted = System.getProperty(PROPERTY, "vector").strip().toLowerCase(Locale.ROOT);
        if (wanted.equals("scalar")) {
            LOG.info("kernels: scalar (-D{}=scalar; the Vector API kernels are 7-10x faster)", PROPERTY);
            return KernelProvider.scalar();
        }
        // A bad value is not thrown from here: a static initializer's exception would break every kernel for the
        // JVM's life. It is named in the one line instead.
        String bad = wanted.equals("vector") ? ""
                : " (-D" + PROPERTY + "=" + wanted + " is not a kernel mode, 'vector' or 'scalar': ignored)";
        if (!vectorModulePresent()) {
            LOG.warn("kernels: scalar, 7-10x slower, because jdk.incubator.vector is not in the module graph: add {} "
                    + "to the java command{}", FLAG, bad);
            return KernelProvider.scalar();
        }
        try {
            KernelProvider vector = KernelProvider.vector();
            if (bad.isEmpty()) {
                LOG.info("kernels: vector (jdk.incubator.vector)");
            } else {
                LOG.warn("kernels: vector (jdk.incubator.vector){}", bad);
            }
            return vector;
        } catch (RuntimeException | LinkageError e) {
            LOG.error("kernels: scalar, because the Vector API kernels failed to load{}", bad, e);
            return KernelProvider.scalar();
        }
    }
}
