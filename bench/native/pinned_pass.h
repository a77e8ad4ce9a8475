/*
 * What the single-core floor programs (weights_read.c, adam_update.c) share: their two options, pinning to one CPU,
 * the clock, and sorting pass times for the median. Header-only: each program is one gcc command.
 */
#ifndef GATUN_PINNED_PASS_H
#define GATUN_PINNED_PASS_H

#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/*
 * Reads --cpu N and --passes P (defaults as given) and pins the process to that CPU. Returns 0, or the exit code
 * after printing what was wrong, naming the program.
 */
static int pinned_pass_setup(const char *program, int argc, char **argv, int *cpu, long *passes) {
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) {
            fprintf(stderr, "%s: option %s needs a value\n", program, argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--cpu") == 0) {
            *cpu = atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--passes") == 0) {
            *passes = atol(argv[i + 1]);
        } else {
            fprintf(stderr, "%s: unknown option %s (--cpu N, --passes P)\n", program, argv[i]);
            return 2;
        }
    }
    if (*passes < 1) {
        fprintf(stderr, "%s: --passes must be >= 1, got %ld\n", program, *passes);
        return 2;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(*cpu, &set);
    if (*cpu < 0 || sched_setaffinity(0, sizeof set, &set) != 0) {
        fprintf(stderr, "%s: cannot pin to CPU %d\n", program, *cpu);
        return 1;
    }
    return 0;
}

#endif
