/*
 * The floor of a single-row forward pass on the CPU at hand: the time to read the 784-256-128-10 network's float32
 * weights (939,008 bytes) once, back to back, on one pinned core, with no arithmetic beyond the adds that keep the
 * loads alive. Where the weights do not fit the core's L2 this is mostly the L3's read bandwidth; no row kernel can
 * beat it, so a latency target below it cannot be met with float32 weights on that CPU.
 *
 * Two orders, in alternate blocks of 1,000 passes so that both see the same machine: "ascending" reads the bytes
 * first to last every pass; "alternating" reads them first to last, then last to first, and so on (as Gatun's
 * predictor does), so each pass starts on the bytes the pass before read last, which are the ones still in L2.
 *
 *   gcc -O3 -march=native -Wall -Wextra -o target/bench/weights_read bench/native/weights_read.c
 *   target/bench/weights_read [--cpu N] [--passes P]
 *
 * Prints one JSON object: bytes, passes per order, best and median µs per pass of each order and the GB/s they
 * make. Needs AVX (256-bit).
 */
#include "pinned_pass.h" /* first: it defines _GNU_SOURCE */

#include <immintrin.h>

#define FLOATS 234752L /* 784·256 + 256·128 + 128·10: the weight matrices a single row reads */

#define BLOCK 64L /* floats per step of the loop: eight 256-bit loads */

/*
 * One pass over w, 64 floats at a time, the blocks in ascending or descending order: eight independent
 * accumulators, so the loads, not the adds' latency, set the pace.
 */
static float read_once(const float *w, int descending) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    long blocks = FLOATS / BLOCK;
    for (long b = 0; b < blocks; b++) {
        long i = (descending ? blocks - 1 - b : b) * BLOCK;
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
    double *seconds = malloc(2 * passes * sizeof(double));
    if (w == NULL || seconds == NULL) {
        fprintf(stderr, "weights_read: out of memory\n");
        return 1;
    }
    for (long i = 0; i < FLOATS; i++) {
        w[i] = 1e-6f * (float) i;
    }
    /* Order o's pass times fill seconds[o·passes ...]; blocks of up to 1,000 passes take turns until both have all. */
    float sink = 0;
    long done[2] = {0, 0};
    int descending = 0;
    for (int order = 0; done[0] < passes || done[1] < passes; order ^= 1) {
        for (long p = 0; p < 1000 && done[order] < passes; p++) {
            descending = order == 1 && !descending;
            double t = now_seconds();
            sink += read_once(w, order == 1 ? descending : 0);
            seconds[order * passes + done[order]++] = now_seconds() - t;
        }
    }
    double bytes = FLOATS * sizeof(float);
    printf("{\"engine\":\"c-weights-read\",\"bytes\":%.0f,\"cpu\":%d,\"passes\":%ld", bytes, cpu, passes);
    const char *names[2] = {"ascending", "alternating"};
    for (int o = 0; o < 2; o++) {
        double *times = seconds + o * passes;
        qsort(times, done[o], sizeof(double), by_value);
        printf(",\"%s\":{\"best_us\":%.2f,\"median_us\":%.2f,\"best_gb_s\":%.1f,\"median_gb_s\":%.1f}", names[o],
               times[0] * 1e6, times[done[o] / 2] * 1e6, bytes / times[0] / 1e9, bytes / times[done[o] / 2] / 1e9);
    }
    printf(",\"checksum\":%g}\n", sink);
    free(seconds);
    free(w);
    return 0;
}
