/*
 * The floor of the optimizer's share of a training step: Adam's update of the 784-256-128-10 network's weight
 * matrices (234,752 float32; read the weight, both moments and the gradient, write three back) in plain C that the
 * compiler vectorises, on one pinned core. Before each pass 8 MB of other writes push the arrays out of L2, as a
 * step's sgemm calls do, so a pass reads them from wherever the step would find them.
 *
 *   gcc -O3 -march=native -fno-math-errno -Wall -Wextra -o target/bench/adam_update bench/native/adam_update.c -lm
 *   target/bench/adam_update [--cpu N] [--passes P]
 *
 * (-fno-math-errno lets the compiler vectorise sqrtf.) Prints one JSON object: best, median and mean µs per pass.
 */
#include "pinned_pass.h" /* first: it defines _GNU_SOURCE */

#include <math.h>

#define PARAMETERS 234752L
#define EVICT_BYTES (8L << 20)

int main(int argc, char **argv) {
    int cpu = 1;
    long passes = 400;
    int status = pinned_pass_setup("adam_update", argc, argv, &cpu, &passes);
    if (status != 0) {
        return status;
    }
    size_t bytes = PARAMETERS * sizeof(float);
    float *p = aligned_alloc(64, bytes), *m = aligned_alloc(64, bytes), *v = aligned_alloc(64, bytes);
    float *g = aligned_alloc(64, bytes), *other = aligned_alloc(64, EVICT_BYTES);
    double *seconds = malloc(passes * sizeof(double));
    if (!p || !m || !v || !g || !other || !seconds) {
        fprintf(stderr, "adam_update: out of memory\n");
        return 1;
    }
    for (long i = 0; i < PARAMETERS; i++) {
        p[i] = 0.01f * (float) (i % 100);
        m[i] = 0;
        v[i] = 0;
        g[i] = 1e-3f * (float) (i % 7);
    }
    memset(other, 0, EVICT_BYTES);
    const float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
    double total = 0;
    for (long pass = 0; pass < passes; pass++) {
        for (long k = 0; k < EVICT_BYTES / (long) sizeof(float); k += 16) {
            other[k] += 1;
        }
        float c1 = 1 - powf(beta1, (float) (pass + 1)), c2 = 1 - powf(beta2, (float) (pass + 1));
        double start = now_seconds();
        for (long i = 0; i < PARAMETERS; i++) {
            float gi = g[i];
            float mi = beta1 * m[i] + (1 - beta1) * gi;
            float vi = beta2 * v[i] + (1 - beta2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] -= lr * (mi / c1) / (sqrtf(vi / c2) + eps);
        }
        seconds[pass] = now_seconds() - start;
        total += seconds[pass];
    }
    qsort(seconds, passes, sizeof(double), by_value);
    printf("{\"engine\":\"c-adam-update\",\"parameters\":%ld,\"cpu\":%d,\"passes\":%ld,\"best_us\":%.1f,"
           "\"median_us\":%.1f,\"mean_us\":%.1f,\"checksum\":%g}\n", PARAMETERS, cpu, passes, seconds[0] * 1e6,
           seconds[passes / 2] * 1e6, total / passes * 1e6, p[PARAMETERS / 2] + other[0]);
    free(seconds);
    free(other);
    free(g);
    free(v);
    free(m);
    free(p);
    return 0;
}
