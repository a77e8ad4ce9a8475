/*
 * The machine's own latency tail for one single-row forward pass, with no JVM in the way: the same work as
 * `gatun benchmark --batch 1` on 784-256-128-10 (read every float32 weight once, ReLU, ReLU, linear), written as
 * plain C loops the compiler vectorises, timed call by call for a fixed time on one pinned thread.
 *
 *   row_latency [--seconds S] [--cpu N] [--layers 784,256,128,10]
 *
 * Prints one JSON object: calls, p50/p90/p99/p99.9 in µs, the share of calls slower than 2× the median, and what
 * happened to this CPU meanwhile: its local timer interrupts (/proc/interrupts, LOC), the steal time the hypervisor
 * took (/proc/stat), and this thread's voluntary and involuntary context switches (getrusage). If the C loop's p99
 * is as far above its p50 as the JVM's, the tail belongs to the machine, not to Gatun.
 *
 * Before the timed passes it spins on the clock alone for a fifth of --seconds (at most 2 s, added to them): no
 * memory traffic, so a gap between two clock reads is time the CPU was taken from the thread (an interrupt, the
 * hypervisor), not a cache miss. It reports how often that happened, how long the gaps were and the share of the time they took: a gap of
 * G µs every P µs lands in about (call + G) / P of the calls, and above the 1% of p99 it sets the tail's floor.
 * Built by bench/tail-probe into target/bench/.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_LAYERS 8
#define BUCKETS 100000 /* 10 ns buckets up to 1 ms; slower calls land in the last one */
#define GAP_NS 5000     /* a clock-to-clock step longer than this is counted as a gap */

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The local timer interrupt count of one CPU, or -1 where /proc/interrupts cannot be read. */
static long long timer_interrupts(int cpu) {
    FILE *f = fopen("/proc/interrupts", "r");
    char line[4096];
    long long result = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ') p++;
        if (strncmp(p, "LOC:", 4) == 0) {
            p += 4;
            for (int c = 0; c <= cpu; c++) {
                result = strtoll(p, &p, 10);
            }
            break;
        }
    }
    fclose(f);
    return result;
}

/* The steal ticks of one CPU (the 8th value of its /proc/stat line), or -1. */
static long long steal_ticks(int cpu) {
    FILE *f = fopen("/proc/stat", "r");
    char line[1024], name[16];
    long long result = -1;
    if (!f) return -1;
    snprintf(name, sizeof name, "cpu%d ", cpu);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, name, strlen(name)) == 0) {
            long long v[8] = {0};
            sscanf(line + strlen(name), "%lld %lld %lld %lld %lld %lld %lld %lld",
                   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
            result = v[7];
            break;
        }
    }
    fclose(f);
    return result;
}

/* a = relu?(W^T x + b) with W stored input-major (out values contiguous per input), as Gatun's panels are read. */
static void dense(const float *restrict w, const float *restrict b, const float *restrict x, float *restrict a,
                  int in, int out, int relu) {
    for (int j = 0; j < out; j++) a[j] = b[j];
    for (int k = 0; k < in; k++) {
        const float xk = x[k];
        const float *restrict row = w + (long) k * out;
        for (int j = 0; j < out; j++) a[j] += xk * row[j];
    }
    if (relu)
        for (int j = 0; j < out; j++) a[j] = a[j] > 0 ? a[j] : 0;
}

static double percentile(const long long *histogram, long long calls, double q) {
    long long rank = (long long) (q * (calls - 1)), seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
        seen += histogram[i];
        if (seen > rank) return i * 0.01; /* µs */
    }
    return BUCKETS * 0.01;
}

int main(int argc, char **argv) {
    double seconds = 10;
    int cpu = 1, widths[MAX_LAYERS] = {784, 256, 128, 10}, layers = 4;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--cpu") && i + 1 < argc) cpu = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--layers") && i + 1 < argc) {
            layers = 0;
            for (char *t = strtok(argv[++i], ","); t && layers < MAX_LAYERS; t = strtok(NULL, ",")) widths[layers++] = atoi(t);
        } else {
            fprintf(stderr, "usage: row_latency [--seconds S] [--cpu N] [--layers 784,256,128,10]\n");
            return 2;
        }
    }
    if (seconds <= 0 || layers < 2) {
        fprintf(stderr, "row_latency: --seconds must be > 0 and --layers needs at least two widths\n");
        return 2;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        perror("row_latency: sched_setaffinity");
        return 1;
    }
    float *w[MAX_LAYERS], *b[MAX_LAYERS], *act[MAX_LAYERS];
    unsigned seed = 1;
    long weight_bytes = 0;
    for (int l = 0; l < layers; l++) {
        act[l] = aligned_alloc(64, ((widths[l] * sizeof(float) + 63) / 64) * 64);
        for (int j = 0; j < widths[l]; j++) act[l][j] = (rand_r(&seed) % 256) / 255.0f;
    }
    for (int l = 0; l + 1 < layers; l++) {
        long n = (long) widths[l] * widths[l + 1];
        w[l] = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
        b[l] = aligned_alloc(64, ((widths[l + 1] * sizeof(float) + 63) / 64) * 64);
        for (long i = 0; i < n; i++) w[l][i] = (rand_r(&seed) / (float) RAND_MAX - 0.5f) * 0.1f;
        for (int j = 0; j < widths[l + 1]; j++) b[l][j] = 0.01f;
        weight_bytes += n * sizeof(float);
    }
    long long *histogram = calloc(BUCKETS, sizeof *histogram);
    long long warm_end = now_ns() + 1000000000LL, end;
    volatile float sink = 0;
    while (now_ns() < warm_end) {
        for (int l = 0; l + 1 < layers; l++) dense(w[l], b[l], act[l], act[l + 1], widths[l], widths[l + 1], l + 2 < layers);
        sink += act[layers - 1][0];
    }
    /* The clock alone: gaps of at least GAP_NS, in the same 10 ns buckets as the calls. */
    long long *gaps = calloc(BUCKETS, sizeof *gaps), gap_count = 0, gap_ns = 0;
    double spin_seconds = seconds / 5 < 2 ? seconds / 5 : 2;
    long long spin_start = now_ns(), spin_end = spin_start + (long long) (spin_seconds * 1e9), last = spin_start;
    while (last < spin_end) {
        long long next = now_ns();
        if (next - last >= GAP_NS) {
            long long bucket = (next - last) / 10;
            gaps[bucket < BUCKETS ? bucket : BUCKETS - 1]++;
            gap_count++;
            gap_ns += next - last;
        }
        last = next;
    }
    double spun = (last - spin_start) / 1e9;
    struct rusage before, after;
    getrusage(RUSAGE_THREAD, &before);
    long long interrupts = timer_interrupts(cpu), steal = steal_ticks(cpu), calls = 0;
    long long start = now_ns(), t = start;
    end = start + (long long) (seconds * 1e9);
    while (t < end) {
        for (int l = 0; l + 1 < layers; l++) dense(w[l], b[l], act[l], act[l + 1], widths[l], widths[l + 1], l + 2 < layers);
        sink += act[layers - 1][0];
        long long next = now_ns(), bucket = (next - t) / 10;
        histogram[bucket < BUCKETS ? bucket : BUCKETS - 1]++;
        calls++;
        t = next;
    }
    getrusage(RUSAGE_THREAD, &after);
    long long interrupts_after = timer_interrupts(cpu), steal_after = steal_ticks(cpu);
    double p50 = percentile(histogram, calls, 0.50);
    long long slow = 0;
    for (int i = (int) (2 * p50 * 100) + 1; i < BUCKETS; i++) slow += histogram[i];
    printf("{\"engine\":\"c-row-loop\",\"layers\":\"");
    for (int l = 0; l < layers; l++) printf(l ? "-%d" : "%d", widths[l]);
    printf("\",\"weight_bytes\":%ld,\"cpu\":%d,\"seconds\":%.1f,\"calls\":%lld,\"p50_us\":%.2f,\"p90_us\":%.2f,"
           "\"p99_us\":%.2f,\"p999_us\":%.2f,\"slower_than_2x_p50\":%.5f,\"timer_interrupts_per_s\":%.0f,"
           "\"steal_ticks\":%lld,\"voluntary_switches\":%ld,\"involuntary_switches\":%ld,\"clock_spin_seconds\":%.2f,"
           "\"clock_gaps_per_s\":%.0f,\"clock_gap_p50_us\":%.2f,\"clock_gap_p90_us\":%.2f,\"clock_lost_share\":%.5f}\n",
           weight_bytes, cpu, seconds, calls, p50, percentile(histogram, calls, 0.90),
           percentile(histogram, calls, 0.99), percentile(histogram, calls, 0.999), (double) slow / calls,
           interrupts < 0 ? -1.0 : (interrupts_after - interrupts) / seconds,
           steal < 0 ? -1 : steal_after - steal, after.ru_nvcsw - before.ru_nvcsw, after.ru_nivcsw - before.ru_nivcsw,
           spun, gap_count / spun, gap_count ? percentile(gaps, gap_count, 0.50) : 0.0,
           gap_count ? percentile(gaps, gap_count, 0.90) : 0.0, gap_ns / 1e9 / spun);
    free(gaps);
    free(histogram);
    return sink == 12345.0f ? 3 : 0;
}
