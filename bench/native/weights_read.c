/*
 * The floor of a single-row forward pass on the CPU at hand: the time to read the 784-256-128-10 network's float32
 * weights (939,008 bytes) once, back to back, on one pinned core, with no arithmetic beyond the adds that keep the
 * loads alive. Where the weights do not fit the core's L2 this is the L3's read bandwidth; no row kernel can beat
 * it, so a latency target below it cannot be met with float32 weights on that CPU.
 *
 *   gcc -O3 -march=native -Wall -Wextra -o target/bench/weights_read bench/native/weights_read.c
 *   target/bench/weights_read [--cpu N] [--passes P]
 *
 * Prints one JSON object: bytes, passes, best and median µs per pass and the GB/s they make. Needs AVX (256-bit).
 */
#include "pinned_pass.h" /* first: it defines _GNU_SOURCE */

#include <immintrin.h>

#define FLOATS 234752L /* 784·256 + 256·128 + 128·10: the weight matrices a single row reads */

/* One pass over w: eight independent accumulators, so the loads, not the adds' latency, set the pace. */
static float read_once(const float *w) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    for (long i = 0; i + 64 <= FLOATS; i += 64) {
        a0 = _mm256_add_ps(a0, _mm256_load_ps(w + i));
        a1 = _mm256_add_ps(a1, _mm256_load_ps(w + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_load_ps(w + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_load_ps(w + i + 24));
        a4 = _mm256_add_ps(a4, _mm256_load_ps(w + i + 32));
        a5 = _mm256_add_ps(a5, _mm256_load_ps(w + i + 40));
        a6 = _mm256_add_ps(a6, _mm256_load_ps(w + i + 48));
        a7 = _mm256_add_ps(a7, _mm256_load_ps(w + i + 56));
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    return lanes[0];
}

int main(int argc, char **argv) {
    int cpu = 1;
    long passes = 20000;
    int status = pinned_pass_setup("weights_read", argc, argv, &cpu, &passes);
    if (status != 0) {
        return status;
    }
    float *w = aligned_alloc(64, FLOATS * sizeof(float));
    double *seconds = malloc(passes * sizeof(double));
    if (w == NULL || seconds == NULL) {
        fprintf(stderr, "weights_read: out of memory\n");
        return 1;
    }
    for (long i = 0; i < FLOATS; i++) {
        w[i] = 1e-6f * (float) i;
    }
    float sink = 0;
    for (long p = 0; p < passes; p++) {
        double start = now_seconds();
        sink += read_once(w);
        seconds[p] = now_seconds() - start;
    }
    qsort(seconds, passes, sizeof(double), by_value);
    double bytes = FLOATS * sizeof(float);
    printf("{\"engine\":\"c-weights-read\",\"bytes\":%.0f,\"cpu\":%d,\"passes\":%ld,\"best_us\":%.2f,\"median_us\":%.2f,"
           "\"best_gb_s\":%.1f,\"median_gb_s\":%.1f,\"checksum\":%g}\n", bytes, cpu, passes, seconds[0] * 1e6,
           seconds[passes / 2] * 1e6, bytes / seconds[0] / 1e9, bytes / seconds[passes / 2] / 1e9, sink);
    free(seconds);
    free(w);
    return 0;
}
