package dev.gatun.bench;

/** One product {@code C(m×n) = A(m×k)·B(k×n)}: the key the C program, JMH and the table share. */
record GemmShape(int m, int n, int k) {
    static GemmShape square(int n) {
        return new GemmShape(n, n, n);
    }

    /** The MLP layer of GemmBench.Mlp: a batch of m Fashion-MNIST images (784 pixels) into 256 units. */
    static GemmShape mlp(int m) {
        return new GemmShape(m, 256, 784);
    }

    /** Floating-point operations per call: k multiplies and k adds for each of the m·n outputs. */
    double flops() {
        return 2.0 * m * n * k;
    }

    /** GFLOPS at {@code nsPerCall}: flops per nanosecond are 1e9 flops per second. */
    double gflops(double nsPerCall) {
        return flops() / nsPerCall;
    }

    /** The C program's --shape argument. */
    String argument() {
        return m + "x" + n + "x" + k;
    }

    /** How the table shows it: the two operands of the product. */
    String label() {
        return m + "×" + k + " · " + k + "×" + n;
    }
}
