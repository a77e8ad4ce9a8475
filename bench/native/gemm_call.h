/*
 * What gemm_bench.c and gemm_loop.c share: the CBLAS constants they pass (without cblas.h, so neither needs a BLAS's
 * headers), the two function types they call through, and the clock they time with.
 */
#ifndef GATUN_BENCH_GEMM_CALL_H
#define GATUN_BENCH_GEMM_CALL_H

#include <time.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
typedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double *, int, const double *, int, double,
                         double *, int);

static inline double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

#endif
