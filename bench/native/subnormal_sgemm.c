/*
 * Whether subnormal float32 values slow OpenBLAS's sgemm on the CPU at hand: one 256x128 by 128x128 product,
 * timed with normal inputs and with subnormal ones mixed in. A training step's gradients hold values that small
 * (probabilities near 0, moments decaying through them); on CPUs that handle them in microcode, every product that
 * reads or makes one would pay for it.
 *
 *   gcc -O2 -Wall -Wextra -o target/bench/subnormal_sgemm bench/native/subnormal_sgemm.c -lopenblas
 *   OPENBLAS_NUM_THREADS=1 target/bench/subnormal_sgemm FRACTION MODE
 *
 * FRACTION of A's values is replaced: MODE 0 by 1e-39 (a subnormal input), MODE 1 by 1e-20 (normal, for the same
 * pattern of replaced values), MODE 2 by 1e-20 with every value of B scaled by 1e-20 too, so that every product and
 * every sum is subnormal. Prints the best of 20 rounds of 200 calls, in µs per call.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s FRACTION MODE (MODE 0, 1 or 2; see the source)\n", argv[0]);
        return 2;
    }
    const int m = 256, n = 128, k = 128;
    double fraction = atof(argv[1]);
    int mode = atoi(argv[2]);
    float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
    if (!a || !b || !c) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    srand(1);
    for (int i = 0; i < m * k; i++) {
        a[i] = rand() / (float) RAND_MAX - 0.5f;
        if (rand() / (double) RAND_MAX < fraction) {
            a[i] = mode == 0 ? 1e-39f : 1e-20f;
        }
    }
    for (int i = 0; i < k * n; i++) {
        b[i] = (rand() / (float) RAND_MAX - 0.5f) * (mode == 2 ? 1e-20f : 1.0f);
    }
    double best = 1e9;
    for (int round = 0; round < 20; round++) {
        double t = now();
        for (int call = 0; call < 200; call++) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
        }
        t = now() - t;
        if (t < best) {
            best = t;
        }
    }
    printf("fraction %.3f mode %d: %.1f us per call\n", fraction, mode, best / 200 * 1e6);
    free(a);
    free(b);
    free(c);
    return 0;
}
