package dev.gatun.blas;

import dev.gatun.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static dev.gatun.blas.BlasArguments.*;

/**
 * The one door to native BLAS. Every method validates dtypes, shapes, sizes and liveness first and throws
 * {@link IllegalArgumentException} (naming both shapes) or {@link IllegalStateException} (closed arena); only
 * then does it call the CBLAS library. Row-major; {@code C = alpha·op(A)·op(B) + beta·C}.
 *
 * <p>The implementation is chosen once, on first use: a native CBLAS library (OpenBLAS by default; BLIS, the
 * reference BLAS or any other with {@code -Dgatun.blas.library=PATH-or-name}, see {@link BlasLibrary}), or the naive
 * Java reference when {@code -Dgatun.blas=java} asks for it. Thread count: the library's default unless
 * {@code -Dgatun.threads} / {@code GATUN_THREADS} says otherwise; logged once with the library's version, kernels
 * and how its threads are controlled.
 */
public final class Blas {
    private static final Logger LOG = LoggerFactory.getLogger(Blas.class);
    public static final String BACKEND_PROPERTY = "gatun.blas";
    /** Names the CBLAS library to load: a path, a file name or a short name such as {@code blis}. */
    public static final String LIBRARY_PROPERTY = "gatun.blas.library";
    public static final String THREADS_PROPERTY = "gatun.threads";

    private static final BlasBackend REFERENCE = new JavaBlas();

    private Blas() {}

    /** Holder idiom: loading happens on first use, and a failure becomes a backend that throws, not a broken class. */
    private static final class Selected {
        static final BlasBackend BACKEND = select();
    }

    private static BlasBackend select() {
        String wanted = System.getProperty(BACKEND_PROPERTY, "native").strip().toLowerCase(java.util.Locale.ROOT);
        if (wanted.equals("java")) {
            LOG.warn("-D{}=java: using the naive Java reference BLAS (for testing; 50-100x slower than OpenBLAS)",
                    BACKEND_PROPERTY);
            return REFERENCE;
        }
        if (!wanted.equals("native") && !wanted.equals("openblas")) {
            return new UnavailableBlas(new BlasUnavailableException("-D" + BACKEND_PROPERTY + "=" + wanted
                    + " is not a BLAS Gatun knows: use 'native' (default; the library -D" + LIBRARY_PROPERTY
                    + " names, else OpenBLAS) or 'java'", null));
        }
        try {
            NativeBlas blas = usable(new NativeBlas(BlasLibrary.load()));
            applyThreadSetting(blas);
            BlasInfo info = blas.info();
            LOG.info("BLAS {} at {} ({}; kernels {}), {} threads ({})", info.backend(), info.libraryPath(),
                    info.config(), info.coreName(), info.threads() > 0 ? info.threads() : "its own number of",
                    info.threadControl());
            return blas;
        } catch (BlasUnavailableException e) {
            LOG.error(e.getMessage());
            return new UnavailableBlas(e);
        } catch (IllegalCallerException | ExceptionInInitializerError e) {
            // --illegal-native-access=deny without --enable-native-access: the bindings' initialiser (or System.load)
            // throws IllegalCallerException. Escaping this holder's initialiser, it made the first BLAS call an
            // ExceptionInInitializerError and every later one a NoClassDefFoundError naming nothing of the cause.
            Throwable cause = e instanceof ExceptionInInitializerError ? e.getCause() : e;
            if (!(cause instanceof IllegalCallerException)) {
                throw e;
            }
            BlasUnavailableException refused = new BlasUnavailableException("native access is denied to Gatun ("
                    + cause.getMessage() + "); start the JVM with --enable-native-access=dev.gatun (on the class path:"
                    + " --enable-native-access=ALL-UNNAMED)", cause);
            LOG.error(refused.getMessage());
            return new UnavailableBlas(refused);
        }
    }

    /**
     * A library with every CBLAS symbol must still multiply correctly on this CPU; and a binding that fails to link
     * anyway would otherwise surface as a NoClassDefFoundError in the first request.
     */
    private static NativeBlas usable(NativeBlas blas) {
        try {
            BlasInfo info = blas.info();
            // Checked before any product: the bindings pass every size as a 32-bit int, and a 64-bit-integer build
            // reads 8 bytes for each (lda on the stack among them), so its first sgemm could crash the JVM.
            String wide = wideIntegers(info.config());
            if (wide != null) {
                throw new BlasUnavailableException("the BLAS at " + blas.libraryPath() + " is " + wide + ": it takes "
                        + "64-bit integer sizes (ILP64), and Gatun calls the standard 32-bit CBLAS interface (LP64). "
                        + BlasLibrary.howToFix(), null);
            }
            if (!blas.multipliesCorrectly()) {
                throw new BlasUnavailableException("the BLAS at " + blas.libraryPath() + " computed a wrong 2x2 sgemm. "
                        + BlasLibrary.howToFix(), null);
            }
            return blas;
        } catch (LinkageError e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new BlasUnavailableException("the library at " + blas.libraryPath() + " loaded but is not a usable "
                    + "CBLAS library (" + cause.getMessage() + "). " + BlasLibrary.howToFix(), e);
        }
    }

    /** What in an OpenBLAS configuration string says it was built with 64-bit integers, or null. */
    static String wideIntegers(String config) {
        return config != null && config.contains("USE64BITINT") ? "an OpenBLAS built with USE64BITINT" : null;
    }

    private static void applyThreadSetting(BlasBackend blas) {
        String threads = System.getProperty(THREADS_PROPERTY, System.getenv("GATUN_THREADS"));
        if (threads == null || threads.isBlank()) {
            return;
        }
        try {
            int n = Integer.parseInt(threads.strip());
            if (n < 1) {
                throw new NumberFormatException();
            }
            blas.setThreads(n);
        } catch (NumberFormatException e) {
            throw new BlasUnavailableException("-D" + THREADS_PROPERTY + " / GATUN_THREADS must be a positive integer, got '"
                    + threads + "'", e);
        }
    }

    static BlasBackend backend() {
        return Selected.BACKEND;
    }

    static BlasBackend reference() {
        return REFERENCE;
    }

    /** {@code C = alpha·op(A)·op(B) + beta·C} through the CBLAS library (or the selected backend). */
    public static void gemm(Transpose transA, Transpose transB, double alpha, Tensor A, Tensor B, double beta, Tensor C) {
        gemm(Selected.BACKEND, transA, transB, alpha, A, B, beta, C);
    }

    /** The same product through the naive Java loops: the oracle the tests compare the native library against. */
    static void referenceGemm(Transpose transA, Transpose transB, double alpha, Tensor A, Tensor B, double beta,
                                     Tensor C) {
        gemm(REFERENCE, transA, transB, alpha, A, B, beta, C);
    }

    static void gemm(BlasBackend backend, Transpose transA, Transpose transB, double alpha, Tensor A, Tensor B,
                     double beta, Tensor C) {
        // The common case costs only comparisons; the checks that name what is wrong run when one fails.
        if (!gemmHolds(transA, transB, A, B, C)) {
            requireGemm(transA, transB, A, B, C);
        }
        boolean ta = transA == Transpose.TRANSPOSED;
        boolean tb = transB == Transpose.TRANSPOSED;
        long m = ta ? A.dim(1) : A.dim(0);
        long k = ta ? A.dim(0) : A.dim(1);
        long n = tb ? B.dim(0) : B.dim(1);
        backend.gemm(A.dtype(), ta, tb, (int) m, (int) n, (int) k, alpha, A.segment(), (int) A.dim(1),
                B.segment(), (int) B.dim(1), beta, C.segment(), (int) C.dim(1));
    }

    /** Throws the exception naming the first thing wrong with a gemm call; returns only if nothing is. */
    private static void requireGemm(Transpose transA, Transpose transB, Tensor A, Tensor B, Tensor C) {
        if (transA == null || transB == null) {
            throw new IllegalArgumentException("gemm: transpose flags must not be null");
        }
        requireMatrix("gemm", "A", A);
        requireMatrix("gemm", "B", B);
        requireMatrix("gemm", "C", C);
        requireSameDType("gemm", A, "A", B, "B");
        requireSameDType("gemm", A, "A", C, "C");
        boolean ta = transA.isTransposed();
        boolean tb = transB.isTransposed();
        long m = ta ? A.dim(1) : A.dim(0);
        long k = ta ? A.dim(0) : A.dim(1);
        long kB = tb ? B.dim(1) : B.dim(0);
        long n = tb ? B.dim(0) : B.dim(1);
        if (k != kB) {
            throw new IllegalArgumentException("gemm: inner dimensions differ: op(A) is " + m + "x" + k + " (A "
                    + opShape(A, ta) + "), op(B) is " + kB + "x" + n + " (B " + opShape(B, tb) + ")");
        }
        if (C.dim(0) != m || C.dim(1) != n) {
            throw new IllegalArgumentException("gemm: C has shape " + C.shapeString() + " but op(A)·op(B) is " + m + "x"
                    + n + " (A " + opShape(A, ta) + ", B " + opShape(B, tb) + ")");
        }
        requireWritable("gemm", "C", C);
        requireDisjoint("gemm", C, "C", A, "A");
        requireDisjoint("gemm", C, "C", B, "B");
    }

    /** {@code y = alpha·op(A)·x + beta·y}; x and y are contiguous vectors of any rank with the right element count. */
    static void gemv(Transpose trans, double alpha, Tensor A, Tensor x, double beta, Tensor y) {
        if (trans == null) {
            throw new IllegalArgumentException("gemv: transpose flag must not be null");
        }
        requireMatrix("gemv", "A", A);
        boolean t = trans.isTransposed();
        long in = t ? A.dim(0) : A.dim(1);
        long out = t ? A.dim(1) : A.dim(0);
        requireVector("gemv", "x", x, in, "op(A) " + opShape(A, t));
        requireVector("gemv", "y", y, out, "op(A) " + opShape(A, t));
        requireSameDType("gemv", A, "A", x, "x");
        requireSameDType("gemv", A, "A", y, "y");
        requireWritable("gemv", "y", y);
        requireDisjoint("gemv", y, "y", A, "A");
        requireDisjoint("gemv", y, "y", x, "x");
        Selected.BACKEND.gemv(A.dtype(), t, (int) A.dim(0), (int) A.dim(1), alpha, A.segment(), (int) A.dim(1),
                x.segment(), beta, y.segment());
    }

    /** {@code y += alpha·x}. */
    public static void axpy(double alpha, Tensor x, Tensor y) {
        requireUsable("axpy", "x", x);
        requireVector("axpy", "y", y, x.size(), "x " + x.shapeString());
        requireSameDType("axpy", x, "x", y, "y");
        requireWritable("axpy", "y", y);
        requireDisjoint("axpy", y, "y", x, "x");
        Selected.BACKEND.axpy(x.dtype(), (int) x.size(), alpha, x.segment(), y.segment());
    }

    /** {@code x *= alpha}. */
    static void scal(double alpha, Tensor x) {
        requireUsable("scal", "x", x);
        requireBlasInt("scal", "x", x.size());
        requireWritable("scal", "x", x);
        Selected.BACKEND.scal(x.dtype(), (int) x.size(), alpha, x.segment());
    }

    /** {@code Σ x_i·y_i}. */
    static double dot(Tensor x, Tensor y) {
        requireUsable("dot", "x", x);
        requireVector("dot", "y", y, x.size(), "x " + x.shapeString());
        requireSameDType("dot", x, "x", y, "y");
        return Selected.BACKEND.dot(x.dtype(), (int) x.size(), x.segment(), y.segment());
    }

    public static int threads() {
        return Selected.BACKEND.threads();
    }

    /**
     * Sets the library's thread count for the whole process (it is process-global in OpenBLAS and BLIS). A library
     * without a call for it keeps the count its environment variable gave it, and a warning says which variable.
     */
    public static void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("BLAS thread count must be >= 1, got " + threads);
        }
        Selected.BACKEND.setThreads(threads);
        if (Selected.BACKEND.threads() == threads) {  // else the library has no thread call, and it said so
            // DEBUG: a trainer sets the count for its steps and back for its evaluations, every epoch.
            LOG.debug("BLAS threads set to {}", threads);
        }
    }

    /**
     * Whether {@link #setThreads} takes effect in this process: false for a library without a thread call, whose count
     * only its environment variable sets before the JVM starts (setting it then logs a warning saying which).
     */
    public static boolean threadsSettable() {
        return Selected.BACKEND.threadsSettable();
    }

    public static BlasInfo info() {
        return Selected.BACKEND.info();
    }

    /**
     * The start-up check for services: loads the BLAS now (if nothing has yet), which includes a small sgemm, and
     * returns what was loaded, or throws the {@link BlasUnavailableException} every matrix product would throw
     * later (it says what is missing and how to install it or point Gatun at it). {@code Predictor.load} and
     * {@code Predictor.of} call it, so a service without a BLAS stops at start-up, not in its first batch request.
     */
    public static BlasInfo requireAvailable() {
        return Selected.BACKEND.info();
    }
}
