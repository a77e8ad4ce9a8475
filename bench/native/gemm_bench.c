/*
 * The physical reference for GemmBench: the same cblas_sgemm / cblas_dgemm calls on the same shapes, made from C
 * against the same library file Gatun's door loads, so that what a Java call path costs is measured against no
 * Java at all.
 *
 *   gemm_bench --library PATH [--precision s|d] [--threads N] [--min-time SECONDS] [--batches B] [--shape MxNxK ...]
 *
 * For each shape C(m×n) = A(m×k)·Bᵀ with B stored n×k (row-major, B transposed, alpha 1, beta 0: a dense
 * layer's forward product), checked first against dot products in double. The repetition count is doubled until
 * one batch lasts >= --min-time (default 0.1 s); then B batches (default 5) of that many calls are timed with
 * clock_gettime(CLOCK_MONOTONIC). It reports the mean ns per call over the batches with their standard deviation,
 * minimum and maximum, and every batch's mean, as JMH reports the mean over its iterations: one JSON object per
 * line, one line per shape.
 *
 * The library is opened with dlopen, as Gatun's door opens it, so any CBLAS library can be measured. Threads: the
 * library's own call when it has one (openblas_set_num_threads, bli_thread_set_num_threads), else whatever its
 * environment variables say; the kernels are chosen by the library from its environment (OPENBLAS_CORETYPE,
 * BLIS_ARCH_TYPE), which the caller sets for C and Java alike. Built by bench/native/build.sh into target/bench/.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_call.h"

typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);
typedef char *(*get_string_fn)(void);

typedef struct { int m, n, k; } shape;

#define MAX_SHAPES 64
#define MAX_BATCHES 101

static struct {
    sgemm_fn sgemm;
    dgemm_fn dgemm;
    get_threads_fn get_threads;
    const char *config;
    const char *core;
} lib;

static int use_double;

/* A matrix of uniform values in [-1, 1), as float or double by --precision. */
static void *random_matrix(long count, unsigned *seed) {
    size_t width = use_double ? sizeof(double) : sizeof(float);
    void *x = aligned_alloc(64, ((count * width + 63) / 64) * 64);
    if (x == NULL) {
        fprintf(stderr, "gemm_bench: out of memory for %ld values\n", count);
        exit(1);
    }
    for (long i = 0; i < count; i++) {
        *seed = *seed * 1103515245u + 12345u;
        double v = (*seed >> 8) / 8388608.0 - 1.0;
        if (use_double) ((double *) x)[i] = v; else ((float *) x)[i] = (float) v;
    }
    return x;
}

static double at(const void *x, long i) {
    return use_double ? ((const double *) x)[i] : ((const float *) x)[i];
}

static void gemm(const shape *s, const void *a, const void *b, void *c) {
    if (use_double) {
        lib.dgemm(ROW_MAJOR, NO_TRANS, TRANS, s->m, s->n, s->k, 1.0, a, s->k, b, s->k, 0.0, c, s->n);
    } else {
        lib.sgemm(ROW_MAJOR, NO_TRANS, TRANS, s->m, s->n, s->k, 1.0f, a, s->k, b, s->k, 0.0f, c, s->n);
    }
}

/* A fast wrong answer must not become a number: compare a few entries with dot products in double. */
static int check(const shape *s, const void *a, const void *b, const void *c) {
    double tolerance = use_double ? 1e-12 : 1e-5;
    for (int sample = 0; sample < 32; sample++) {
        int i = (sample * 7919) % s->m, j = (sample * 104729) % s->n;
        double expected = 0, magnitude = 0;
        for (int p = 0; p < s->k; p++) {
            double term = at(a, (long) i * s->k + p) * at(b, (long) j * s->k + p);
            expected += term;
            magnitude += fabs(term);
        }
        double actual = at(c, (long) i * s->n + j);
        if (!(fabs(actual - expected) <= tolerance * magnitude + 1e-30)) {
            fprintf(stderr, "gemm_bench: %dx%dx%d: C[%d][%d] = %g, expected %g\n", s->m, s->n, s->k, i, j, actual,
                    expected);
            return 0;
        }
    }
    return 1;
}

static double time_batch(const shape *s, const void *a, const void *b, void *c, long reps) {
    double start = now_ns();
    for (long r = 0; r < reps; r++) {
        gemm(s, a, b, c);
    }
    return now_ns() - start;
}

/* Prints s as a JSON string, with quotes and backslashes escaped and control characters dropped. */
static void print_json_string(const char *s) {
    putchar('"');
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        if ((unsigned char) *s >= 0x20) putchar(*s);
    }
    putchar('"');
}

static void measure(const shape *s, double min_time_ns, int batches, const char *library) {
    unsigned seed = 42u + s->m * 31u + s->n * 17u + s->k;
    void *a = random_matrix((long) s->m * s->k, &seed);
    void *b = random_matrix((long) s->n * s->k, &seed);
    void *c = random_matrix((long) s->m * s->n, &seed);
    gemm(s, a, b, c);
    if (!check(s, a, b, c)) exit(1);

    long reps = 1;
    while (time_batch(s, a, b, c, reps) < min_time_ns && reps < LONG_MAX / 2) {
        reps *= 2;
    }
    double per_call[MAX_BATCHES], sum = 0, min = INFINITY, max = 0;
    for (int i = 0; i < batches; i++) {
        per_call[i] = time_batch(s, a, b, c, reps) / reps;
        sum += per_call[i];
        min = fmin(min, per_call[i]);
        max = fmax(max, per_call[i]);
    }
    double mean = sum / batches, squares = 0;
    for (int i = 0; i < batches; i++) {
        squares += (per_call[i] - mean) * (per_call[i] - mean);
    }
    double stdev = batches > 1 ? sqrt(squares / (batches - 1)) : NAN;

    printf("{\"precision\":\"%c\",\"m\":%d,\"n\":%d,\"k\":%d,\"ns_per_call\":%.3f,\"ns_stdev\":", use_double ? 'd' : 's',
           s->m, s->n, s->k, mean);
    if (isnan(stdev)) printf("null"); else printf("%.3f", stdev);
    printf(",\"ns_min\":%.3f,\"ns_max\":%.3f,\"batch_ns\":[", min, max);
    for (int i = 0; i < batches; i++) printf("%s%.3f", i ? "," : "", per_call[i]);
    printf("],\"gflops\":%.4f,\"threads\":%d,\"reps\":%ld,\"batches\":%d,\"library\":", 2.0 * s->m * s->n * s->k / mean,
           lib.get_threads ? lib.get_threads() : -1, reps, batches);
    print_json_string(library);
    printf(",\"config\":");
    print_json_string(lib.config);
    printf(",\"core\":");
    print_json_string(lib.core);
    printf("}\n");
    fflush(stdout);
    free(a);
    free(b);
    free(c);
}

static void usage(void) {
    fprintf(stderr, "usage: gemm_bench --library PATH [--precision s|d] [--threads N] [--min-time SECONDS] "
                    "[--batches B] [--shape MxNxK ...]\n");
    exit(2);
}

/* Binds the CBLAS functions and whatever thread and version calls the library has (OpenBLAS's or BLIS's). */
static void open_library(const char *path, int threads) {
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        fprintf(stderr, "gemm_bench: cannot open %s: %s\n", path, dlerror());
        exit(1);
    }
    lib.sgemm = (sgemm_fn) dlsym(handle, "cblas_sgemm");
    lib.dgemm = (dgemm_fn) dlsym(handle, "cblas_dgemm");
    if (lib.sgemm == NULL || lib.dgemm == NULL) {
        fprintf(stderr, "gemm_bench: %s is not a CBLAS library: no cblas_sgemm or cblas_dgemm\n", path);
        exit(1);
    }
    set_threads_fn set = (set_threads_fn) dlsym(handle, "openblas_set_num_threads");
    lib.get_threads = (get_threads_fn) dlsym(handle, "openblas_get_num_threads");
    get_string_fn config = (get_string_fn) dlsym(handle, "openblas_get_config");
    get_string_fn core = (get_string_fn) dlsym(handle, "openblas_get_corename");
    if (set == NULL) {
        set = (set_threads_fn) dlsym(handle, "bli_thread_set_num_threads");
        lib.get_threads = (get_threads_fn) dlsym(handle, "bli_thread_get_num_threads");
        config = (get_string_fn) dlsym(handle, "bli_info_get_version_str");
    }
    if (threads > 0 && set != NULL) set(threads);
    lib.config = config ? config() : "";
    lib.core = core ? core() : "";
}

int main(int argc, char **argv) {
    shape shapes[MAX_SHAPES];
    int shape_count = 0, batches = 5, threads = 0;
    double min_time = 0.1;
    const char *library = NULL;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) usage();
        if (strcmp(argv[i], "--library") == 0) {
            library = argv[++i];
        } else if (strcmp(argv[i], "--precision") == 0) {
            i++;
            if (strcmp(argv[i], "s") != 0 && strcmp(argv[i], "d") != 0) usage();
            use_double = argv[i][0] == 'd';
        } else if (strcmp(argv[i], "--threads") == 0) {
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
    if (library == NULL || shape_count == 0) usage();
    open_library(library, threads);

    char resolved[PATH_MAX];
    if (realpath(library, resolved) == NULL) snprintf(resolved, sizeof resolved, "%s", library);
    for (int i = 0; i < shape_count; i++) {
        measure(&shapes[i], min_time * 1e9, batches, resolved);
    }
    return 0;
}
