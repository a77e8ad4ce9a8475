/*
 * C's side of the paired gemm measurement (bench/java/dev/gatun/bench/GemmPaired.java): a loop of products through
 * the very cblas_sgemm or cblas_dgemm Gatun's door calls, timed in C, called once per batch from the JVM.
 *
 * gemm_bench.c measures C in a process of its own, minutes apart from the JVM's figures; two processes place their
 * operands and meet the machine differently, which moved one run's door/C by ±10%. Here C and the door take turns
 * batch by batch on the same operands in one process, so the ratio is what the Java call path costs and nothing else.
 *
 * gemm_loop(fn, is_double, m, n, k, a, b, c, reps) makes reps products C(m×n) = A(m×k)·Bᵀ (row-major, B stored n×k,
 * alpha 1, beta 0) and returns the nanoseconds they took (CLOCK_MONOTONIC). The caller checks the shapes and the
 * operands' sizes; this is the loop, nothing else. Built by bench/native/build.sh into target/bench/.
 */
#define _GNU_SOURCE
#include "gemm_call.h"

double gemm_loop(void *fn, int is_double, int m, int n, int k, const void *a, const void *b, void *c, long reps) {
    double start = now_ns();
    if (is_double) {
        dgemm_fn dgemm = (dgemm_fn) fn;
        for (long r = 0; r < reps; r++) {
            dgemm(ROW_MAJOR, NO_TRANS, TRANS, m, n, k, 1.0, a, k, b, k, 0.0, c, n);
        }
    } else {
        sgemm_fn sgemm = (sgemm_fn) fn;
        for (long r = 0; r < reps; r++) {
            sgemm(ROW_MAJOR, NO_TRANS, TRANS, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n);
        }
    }
    return now_ns() - start;
}
