/*
 * The physical reference for one training step of 784-256-128-10 at batch m: only its matrix products, timed
 * from C against the same OpenBLAS that Gatun (libopenblas.so.0), NumPy and PyTorch (libblas.so.3 of the same
 * OpenBLAS build) call. Bias, ReLU, softmax, Adam and the batch gathering are left out on purpose, so no engine
 * doing the same step with the same BLAS can beat m / (seconds per step) samples/s: that is the "sgemm bound".
 *
 * Layout: row-major, one sample per row (Gatun's layout); W[l] is (n_l x n_{l-1}); all float32.
 * The eight products of one step, with the transpose flags Gatun passes to cblas_sgemm:
 *
 *   forward (3)
 *     Z1  (m x 256)   = X   (m x 784) . W1^T (784 x 256)         NoTrans, Trans     2*m*784*256 FLOPs
 *     Z2  (m x 128)   = A1  (m x 256) . W2^T (256 x 128)         NoTrans, Trans     2*m*256*128
 *     Z3  (m x 10)    = A2  (m x 128) . W3^T (128 x 10)          NoTrans, Trans     2*m*128*10
 *   backward (5: dW for the 3 layers, dA_prev for layers 3 and 2; dA0 = dX is never needed)
 *     dW3 (10 x 128)  = (1/m) dZ3^T (10 x m)  . A2 (m x 128)     Trans, NoTrans     2*m*10*128
 *     dA2 (m x 128)   = dZ3 (m x 10)          . W3 (10 x 128)    NoTrans, NoTrans   2*m*10*128
 *     dW2 (128 x 256) = (1/m) dZ2^T (128 x m) . A1 (m x 256)     Trans, NoTrans     2*m*128*256
 *     dA1 (m x 256)   = dZ2 (m x 128)         . W2 (128 x 256)   NoTrans, NoTrans   2*m*128*256
 *     dW1 (256 x 784) = (1/m) dZ1^T (256 x m) . X  (m x 784)     Trans, NoTrans     2*m*256*784
 *
 *   FLOPs per sample = 2 * (3 * (784*256 + 256*128 + 128*10) - 784*256) = 2 * (3 * 234,752 - 200,704) = 1,007,104
 *
 * --mode infer: the same bound for batch inference, the three forward products alone (469,504 FLOPs per sample).
 * T cores can run them two ways, and an engine may pick either, so both are timed and the faster is the bound:
 * one stream of products with T OpenBLAS threads (the Python peers' way), and T streams side by side, each
 * with its own rows and one OpenBLAS thread (Gatun's way: its T batch threads each take a share of the rows).
 *
 * Usage: sgemm_bound [--mode train|infer] --batch M --threads T [--seconds S]
 * Prints one JSON object: seconds per step (median, min, max over the timed steps), the bound in samples/s
 * (m / median; in infer mode the faster way's, summed over its streams), the FLOPs per sample and per step, the
 * measured sgemm GFLOPS on these shapes, the time of each product, and which OpenBLAS answered. The step times and
 * the products' times are the one-stream way's; infer mode adds each way's samples/s.
 */
#define _GNU_SOURCE
#include <cblas.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

enum { N0 = 784, N1 = 256, N2 = 128, N3 = 10, PRODUCTS = 8, FORWARD = 3 };

typedef struct {
    const char *name;
    enum CBLAS_TRANSPOSE ta, tb;
    int M, N, K;
    const float *A, *B;
    float *C;
    int lda, ldb, ldc;
    float alpha;
    double seconds; /* summed over the timed steps */
} Product;

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *matrix(size_t rows, size_t cols, uint32_t *seed) {
    size_t bytes = (rows * cols * sizeof(float) + 63) / 64 * 64;
    float *p = aligned_alloc(64, bytes);
    if (p == NULL) {
        fprintf(stderr, "sgemm_bound: cannot allocate a %zu x %zu matrix\n", rows, cols);
        exit(1);
    }
    for (size_t i = 0; i < rows * cols; i++) { /* small values: no denormals, no overflow */
        *seed = *seed * 1664525u + 1013904223u;
        p[i] = ((float) (*seed >> 8) / 16777216.0f - 0.5f) * 0.1f;
    }
    return p;
}

static void product(Product *p, const char *name, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb,
                    int M, int N, int K, const float *A, const float *B, float *C, float alpha) {
    p->name = name;
    p->ta = ta;
    p->tb = tb;
    p->M = M;
    p->N = N;
    p->K = K;
    p->A = A;
    p->B = B;
    p->C = C;
    p->lda = ta == CblasNoTrans ? K : M; /* row-major leading dimensions of the stored (untransposed) arrays */
    p->ldb = tb == CblasNoTrans ? N : K;
    p->ldc = N;
    p->alpha = alpha;
    p->seconds = 0;
}

static void step(Product *products, int count, int timed) {
    for (int i = 0; i < count; i++) {
        Product *p = &products[i];
        double start = timed ? now_seconds() : 0;
        cblas_sgemm(CblasRowMajor, p->ta, p->tb, p->M, p->N, p->K, p->alpha, p->A, p->lda, p->B, p->ldb,
                    0.0f, p->C, p->ldc);
        if (timed) {
            p->seconds += now_seconds() - start;
        }
    }
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static long parse_long(const char *flag, const char *text, long low, long high) {
    char *end;
    long value = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || value < low || value > high) {
        fprintf(stderr, "sgemm_bound: %s must be an integer in [%ld, %ld], got '%s'\n", flag, low, high, text);
        exit(2);
    }
    return value;
}

static void print_library(void) { /* the OpenBLAS file really mapped, as proof of which library answered */
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096], found[4096] = "";
    while (maps != NULL && fgets(line, sizeof line, maps) != NULL) {
        char *path = strchr(line, '/');
        if (path != NULL && strstr(path, "openblas") != NULL) {
            path[strcspn(path, "\n")] = '\0';
            snprintf(found, sizeof found, "%s", path);
            break;
        }
    }
    if (maps != NULL) {
        fclose(maps);
    }
    printf("\"library\":\"%s\"", found);
}

/* Holds streams started side by side until every one of them has been created, so that they warm up and are timed
 * together; `abandon` sends them home when one could not be created. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t opened;
    int open, abandon;
} Gate;

/* The step times of one stream of products, sorted: a warm-up of a fifth of the time (thread pool started, caches
 * and page tables touched, CPU clock settled), then at least five timed steps and at least `seconds`. Aligned to a
 * cache line: the streams side by side write their own step counts on every step. */
typedef struct {
    Product *products;
    int count;
    double seconds;
    Gate *gate;    /* NULL: start at once */
    double *times; /* sorted; NULL when out of memory or abandoned */
    size_t steps;
} __attribute__((aligned(64))) Stream;

static void *run_stream(void *arg) {
    Stream *s = arg;
    if (s->gate != NULL) {
        /* Per thread: an OpenMP build of OpenBLAS keeps the count per thread, and would otherwise give each stream
         * OMP_NUM_THREADS threads of its own. */
        openblas_set_num_threads(1);
        pthread_mutex_lock(&s->gate->lock);
        while (!s->gate->open) {
            pthread_cond_wait(&s->gate->opened, &s->gate->lock);
        }
        int abandon = s->gate->abandon;
        pthread_mutex_unlock(&s->gate->lock);
        if (abandon) {
            return NULL;
        }
    }
    double warm_end = now_seconds() + s->seconds * 0.2;
    int warm_steps = 0;
    while (warm_steps < 3 || now_seconds() < warm_end) {
        step(s->products, s->count, 0);
        warm_steps++;
    }
    size_t capacity = 1024;
    s->steps = 0;
    s->times = malloc(capacity * sizeof(double));
    double end = now_seconds() + s->seconds;
    while (s->times != NULL && (s->steps < 5 || now_seconds() < end)) {
        if (s->steps == capacity) {
            capacity *= 2;
            double *grown = realloc(s->times, capacity * sizeof(double));
            if (grown == NULL) {
                free(s->times);
                s->times = NULL;
                break;
            }
            s->times = grown;
        }
        double start = now_seconds();
        step(s->products, s->count, 1);
        s->times[s->steps++] = now_seconds() - start;
    }
    if (s->times != NULL) {
        qsort(s->times, s->steps, sizeof(double), by_value);
    }
    return NULL;
}

static double median_of(const Stream *s) {
    size_t n = s->steps;
    return n % 2 ? s->times[n / 2] : (s->times[n / 2 - 1] + s->times[n / 2]) / 2;
}

/* The forward products of one stream: its own rows and activations, the shared weights. */
static void forward_products(Product *p, long m, const float *W1, const float *W2, const float *W3, uint32_t *seed) {
    float *X = matrix(m, N0, seed), *A1 = matrix(m, N1, seed), *A2 = matrix(m, N2, seed);
    float *Z1 = matrix(m, N1, seed), *Z2 = matrix(m, N2, seed), *Z3 = matrix(m, N3, seed);
    product(&p[0], "Z1 = X . W1^T", CblasNoTrans, CblasTrans, m, N1, N0, X, W1, Z1, 1.0f);
    product(&p[1], "Z2 = A1 . W2^T", CblasNoTrans, CblasTrans, m, N2, N1, A1, W2, Z2, 1.0f);
    product(&p[2], "Z3 = A2 . W3^T", CblasNoTrans, CblasTrans, m, N3, N2, A2, W3, Z3, 1.0f);
}

/* T streams at once, one OpenBLAS thread each; returns their summed samples/s, or -1 if one could not run. */
static double side_by_side(long m, long threads, const float *W1, const float *W2, const float *W3, double seconds,
                           uint32_t *seed) {
    Product (*p)[FORWARD] = malloc(threads * sizeof *p);
    Stream *streams = aligned_alloc(64, threads * sizeof *streams);
    pthread_t *ids = malloc(threads * sizeof *ids);
    Gate gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    if (p == NULL || streams == NULL || ids == NULL) {
        return -1;
    }
    openblas_set_num_threads(1);
    for (long t = 0; t < threads; t++) {
        forward_products(p[t], m, W1, W2, W3, seed);
        streams[t] = (Stream) {p[t], FORWARD, seconds, &gate, NULL, 0};
    }
    long started = 0;
    while (started < threads && pthread_create(&ids[started], NULL, run_stream, &streams[started]) == 0) {
        started++;
    }
    pthread_mutex_lock(&gate.lock);
    gate.open = 1;
    gate.abandon = started < threads;
    pthread_cond_broadcast(&gate.opened);
    pthread_mutex_unlock(&gate.lock);
    for (long t = 0; t < started; t++) {
        pthread_join(ids[t], NULL);
    }
    double total = 0;
    for (long t = 0; t < threads; t++) {
        if (t >= started || streams[t].times == NULL) {
            return -1;
        }
        total += m / median_of(&streams[t]);
    }
    return total;
}

int main(int argc, char **argv) {
    long m = 0, threads = 0;
    double seconds = 3.0;
    int infer = 0;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--mode") == 0) {
            i++;
            if (strcmp(argv[i], "train") != 0 && strcmp(argv[i], "infer") != 0) {
                fprintf(stderr, "sgemm_bound: --mode must be train or infer, got '%s'\n", argv[i]);
                return 2;
            }
            infer = strcmp(argv[i], "infer") == 0;
        } else if (i + 1 < argc && strcmp(argv[i], "--batch") == 0) {
            m = parse_long("--batch", argv[++i], 1, 1 << 20);
        } else if (i + 1 < argc && strcmp(argv[i], "--threads") == 0) {
            threads = parse_long("--threads", argv[++i], 1, 1024);
        } else if (i + 1 < argc && strcmp(argv[i], "--seconds") == 0) {
            char *end;
            seconds = strtod(argv[++i], &end);
            if (*end != '\0' || !(seconds > 0 && seconds <= 3600)) {
                fprintf(stderr, "sgemm_bound: --seconds must be in (0, 3600], got '%s'\n", argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "sgemm_bound: unknown argument '%s'\n"
                            "usage: sgemm_bound [--mode train|infer] --batch M --threads T [--seconds S]\n", argv[i]);
            return 2;
        }
    }
    if (m == 0 || threads == 0) {
        fprintf(stderr, "usage: sgemm_bound [--mode train|infer] --batch M --threads T [--seconds S]\n");
        return 2;
    }
    openblas_set_num_threads((int) threads);

    uint32_t seed = 42;
    float *W1 = matrix(N1, N0, &seed), *W2 = matrix(N2, N1, &seed), *W3 = matrix(N3, N2, &seed);
    Product p[PRODUCTS];
    forward_products(p, m, W1, W2, W3, &seed);
    const float *X = p[0].A, *A1 = p[1].A, *A2 = p[2].A;
    int count = FORWARD;
    if (!infer) {
        float *dZ1 = matrix(m, N1, &seed), *dZ2 = matrix(m, N2, &seed), *dZ3 = matrix(m, N3, &seed);
        float *dA1 = matrix(m, N1, &seed), *dA2 = matrix(m, N2, &seed);
        float *dW1 = matrix(N1, N0, &seed), *dW2 = matrix(N2, N1, &seed), *dW3 = matrix(N3, N2, &seed);
        float inv_m = 1.0f / (float) m;
        product(&p[3], "dW3 = dZ3^T . A2 / m", CblasTrans, CblasNoTrans, N3, N2, m, dZ3, A2, dW3, inv_m);
        product(&p[4], "dA2 = dZ3 . W3", CblasNoTrans, CblasNoTrans, m, N2, N3, dZ3, W3, dA2, 1.0f);
        product(&p[5], "dW2 = dZ2^T . A1 / m", CblasTrans, CblasNoTrans, N2, N1, m, dZ2, A1, dW2, inv_m);
        product(&p[6], "dA1 = dZ2 . W2", CblasNoTrans, CblasNoTrans, m, N1, N2, dZ2, W2, dA1, 1.0f);
        product(&p[7], "dW1 = dZ1^T . X / m", CblasTrans, CblasNoTrans, N1, N0, m, dZ1, X, dW1, inv_m);
        count = PRODUCTS;
    }

    double flops_per_step = 0;
    for (int i = 0; i < count; i++) {
        flops_per_step += 2.0 * p[i].M * p[i].N * p[i].K;
    }

    Stream one = {p, count, seconds, NULL, NULL, 0};
    run_stream(&one);
    if (one.times == NULL) {
        fprintf(stderr, "sgemm_bound: out of memory for the step times\n");
        return 1;
    }
    size_t steps = one.steps;
    double *times = one.times, median = median_of(&one);
    double one_stream = m / median, streams = infer && threads > 1
            ? side_by_side(m, threads, W1, W2, W3, seconds, &seed) : one_stream;
    if (streams < 0) {
        fprintf(stderr, "sgemm_bound: could not run %ld streams side by side\n", threads);
        return 1;
    }
    openblas_set_num_threads((int) threads);   /* openblas_threads below reports the one-stream way's setting */
    double bound = streams > one_stream ? streams : one_stream;

    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("{\"engine\":\"sgemm_bound\",\"mode\":\"%s\",\"batch\":%ld,\"threads\":%ld,\"steps\":%zu,",
           infer ? "infer" : "train", m, threads, steps);
    printf("\"flops_per_sample\":%.0f,\"flops_per_step\":%.0f,", flops_per_step / m, flops_per_step);
    printf("\"step_seconds_median\":%.9f,\"step_seconds_min\":%.9f,\"step_seconds_max\":%.9f,",
           median, times[0], times[steps - 1]);
    printf("\"samples_per_second\":%.3f,\"throughput_per_second\":%.3f,\"sgemm_gflops\":%.3f,",
           bound, bound, bound * flops_per_step / m / 1e9);
    if (infer && threads > 1) {
        printf("\"one_stream_samples_per_second\":%.3f,\"side_by_side_samples_per_second\":%.3f,",
               one_stream, streams);
    } else if (infer) { /* one thread: the two ways are the same, and only one was timed */
        printf("\"one_stream_samples_per_second\":%.3f,\"side_by_side_samples_per_second\":null,", one_stream);
    }
    printf("\"products\":[");
    for (int i = 0; i < count; i++) {
        double mean = p[i].seconds / steps, flops = 2.0 * p[i].M * p[i].N * p[i].K;
        printf("%s{\"name\":\"%s\",\"m\":%d,\"n\":%d,\"k\":%d,\"flops\":%.0f,\"seconds_mean\":%.9f,\"gflops\":%.3f}",
               i ? "," : "", p[i].name, p[i].M, p[i].N, p[i].K, flops, mean, flops / mean / 1e9);
    }
    printf("],\"openblas_config\":\"%s\",\"openblas_core\":\"%s\",\"openblas_threads\":%d,\"openblas_parallel\":%d,",
           openblas_get_config(), openblas_get_corename(), openblas_get_num_threads(), openblas_get_parallel());
    print_library();
    printf(",\"peak_rss_mb\":%.3f}\n", usage.ru_maxrss / 1024.0);
    return 0;
}
