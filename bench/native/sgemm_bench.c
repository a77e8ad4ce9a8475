/*
 * The physical reference for GemmBench: the same cblas_sgemm calls, on the same shapes, made from C against
 * the same OpenBLAS, so that what Gatun's FFM path costs is measured against no FFM at all.
 *
 *   sgemm_bench [--threads N] [--min-time SECONDS] [--batches B] [--shape MxNxK ...]
 *
 * For each shape C(m×n) = A(m×k)·B(k×n), row-major, alpha 1, beta 0: the repetition count is doubled until one
 * batch lasts >= --min-time (default 0.5 s); then B batches (default 5) of that many calls are timed with
 * clock_gettime(CLOCK_MONOTONIC) and the best batch is reported (the median too). One JSON object per line.
 * Threads: OPENBLAS_NUM_THREADS as OpenBLAS reads it at start-up, unless --threads calls
 * openblas_set_num_threads. Built by bench/native/build.sh into target/bench/.
 */
#define _GNU_SOURCE
#include <cblas.h>
#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { int m, n, k; } shape;

/* Square n = 4..1024, then the MLP layer m×784 · 784×256 for m = 1, 32, 128, 1024: GemmBench's shapes. */
static const shape DEFAULT_SHAPES[] = {
    {4, 4, 4}, {16, 16, 16}, {64, 64, 64}, {256, 256, 256}, {1024, 1024, 1024},
    {1, 256, 784}, {32, 256, 784}, {128, 256, 784}, {1024, 256, 784},
};
#define MAX_SHAPES 64
#define MAX_BATCHES 101

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static float *random_matrix(long count, unsigned *seed) {
    float *x = aligned_alloc(64, ((count * sizeof(float) + 63) / 64) * 64);
    if (x == NULL) {
        fprintf(stderr, "sgemm_bench: out of memory for %ld floats\n", count);
        exit(1);
    }
    for (long i = 0; i < count; i++) {
        *seed = *seed * 1103515245u + 12345u;
        x[i] = (float) ((*seed >> 8) / 8388608.0 - 1.0); /* uniform in [-1, 1) */
    }
    return x;
}

static void sgemm(const shape *s, const float *a, const float *b, float *c) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->m, s->n, s->k, 1.0f, a, s->k, b, s->n, 0.0f, c, s->n);
}

/* A fast wrong answer must not become a number: compare a few entries with dot products in double. */
static int check(const shape *s, const float *a, const float *b, const float *c) {
    for (int sample = 0; sample < 32; sample++) {
        int i = (sample * 7919) % s->m, j = (sample * 104729) % s->n;
        double expected = 0, magnitude = 0;
        for (int p = 0; p < s->k; p++) {
            double term = (double) a[(long) i * s->k + p] * b[(long) p * s->n + j];
            expected += term;
            magnitude += fabs(term);
        }
        if (!(fabs(c[(long) i * s->n + j] - expected) <= 1e-5 * magnitude + 1e-30)) {
            fprintf(stderr, "sgemm_bench: %dx%dx%d: C[%d][%d] = %g, expected %g\n", s->m, s->n, s->k, i, j,
                    c[(long) i * s->n + j], expected);
            return 0;
        }
    }
    return 1;
}

static double time_batch(const shape *s, const float *a, const float *b, float *c, long reps) {
    double start = now_ns();
    for (long r = 0; r < reps; r++) {
        sgemm(s, a, b, c);
    }
    return now_ns() - start;
}

static int compare_doubles(const void *x, const void *y) {
    double d = *(const double *) x - *(const double *) y;
    return (d > 0) - (d < 0);
}

/* Prints s as JSON, with quotes and backslashes escaped (OpenBLAS's config string is plain ASCII today). */
static void print_json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        if ((unsigned char) *s >= 0x20) putchar(*s);
    }
    putchar('"');
}

static void measure(const shape *s, double min_time_ns, int batches, const char *library) {
    unsigned seed = 42u + s->m * 31u + s->n * 17u + s->k;
    float *a = random_matrix((long) s->m * s->k, &seed);
    float *b = random_matrix((long) s->k * s->n, &seed);
    float *c = random_matrix((long) s->m * s->n, &seed);
    sgemm(s, a, b, c);
    if (!check(s, a, b, c)) exit(1);

    long reps = 1;
    while (time_batch(s, a, b, c, reps) < min_time_ns && reps < LONG_MAX / 2) {
        reps *= 2;
    }
    double per_call[MAX_BATCHES];
    for (int i = 0; i < batches; i++) {
        per_call[i] = time_batch(s, a, b, c, reps) / reps;
    }
    qsort(per_call, batches, sizeof(double), compare_doubles);
    double best = per_call[0], median = per_call[batches / 2];

    printf("{\"m\":%d,\"n\":%d,\"k\":%d,\"ns_per_call\":%.3f,\"ns_per_call_median\":%.3f,\"gflops\":%.4f,"
           "\"threads\":%d,\"reps\":%ld,\"batches\":%d,\"library\":",
           s->m, s->n, s->k, best, median, 2.0 * s->m * s->n * s->k / best, openblas_get_num_threads(), reps, batches);
    print_json_string(library);
    printf(",\"config\":");
    print_json_string(openblas_get_config());
    printf(",\"core\":");
    print_json_string(openblas_get_corename());
    printf("}\n");
    fflush(stdout);
    free(a);
    free(b);
    free(c);
}

static void usage(void) {
    fprintf(stderr, "usage: sgemm_bench [--threads N] [--min-time SECONDS] [--batches B] [--shape MxNxK ...]\n");
    exit(2);
}

int main(int argc, char **argv) {
    shape shapes[MAX_SHAPES];
    int shape_count = 0, batches = 5, threads = 0;
    double min_time = 0.5;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) usage();
        if (strcmp(argv[i], "--threads") == 0) {
            threads = atoi(argv[++i]);
            if (threads < 1) usage();
        } else if (strcmp(argv[i], "--min-time") == 0) {
            min_time = atof(argv[++i]);
            if (!(min_time > 0)) usage();
        } else if (strcmp(argv[i], "--batches") == 0) {
            batches = atoi(argv[++i]);
            if (batches < 1 || batches > MAX_BATCHES) usage();
        } else if (strcmp(argv[i], "--shape") == 0) {
            shape *s = &shapes[shape_count];
            if (shape_count == MAX_SHAPES || sscanf(argv[++i], "%dx%dx%d", &s->m, &s->n, &s->k) != 3
                || s->m < 1 || s->n < 1 || s->k < 1) usage();
            shape_count++;
        } else {
            usage();
        }
    }
    if (shape_count == 0) {
        shape_count = sizeof DEFAULT_SHAPES / sizeof DEFAULT_SHAPES[0];
        memcpy(shapes, DEFAULT_SHAPES, sizeof DEFAULT_SHAPES);
    }
    if (threads > 0) {
        openblas_set_num_threads(threads);
    }

    /* Name the library file cblas_sgemm really came from, so the report can show it is Gatun's. */
    Dl_info where;
    char library[PATH_MAX] = "unknown";
    if (dladdr((void *) cblas_sgemm, &where) && where.dli_fname && realpath(where.dli_fname, library) == NULL) {
        snprintf(library, sizeof library, "%s", where.dli_fname);
    }
    for (int i = 0; i < shape_count; i++) {
        measure(&shapes[i], min_time * 1e9, batches, library);
    }
    return 0;
}
