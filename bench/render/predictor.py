"""The inference section (PredictorBench): batch-1 latency percentiles, the weight-reading floor under them and
batch-1024 throughput with 1 and 2 request threads, per row-weight format, against the latency and throughput targets."""
import jmh
import page

TITLE = "Inference: Predictor (JMH)"
MEASURED = ("Inference on 784-256-128-10 (He-initialised weights, /255 input scaling) on Fashion-MNIST's test "
            "images: one `predict(float[], float[])` per call, the first 64 images in turn (SampleTime, one thread), "
            "the same network's weight bytes read once (`readWeights`), and the first 1024 images per call through "
            "sgemm from 1 and 2 request threads with one OpenBLAS thread each.")
ROW_WEIGHTS = ("FLOAT32", "BFLOAT16")
PERCENTILES = (("50.0", "p50"), ("90.0", "p90"), ("99.0", "p99"), ("99.9", "p99.9"))
REQUEST_THREADS = ("1", "2")
P50_TARGET, P99_TARGET = 10.0, 25.0  # targets: batch 1, one thread, µs
ROWS_TARGET, ROWS_TARGET_THREADS = 250_000, "2"  # target: batch 1024, rows per second

NOTES = [
    "Latency percentiles are JMH's SampleTime distribution of single calls (µs); B/op is `-prof gc`'s "
    "gc.alloc.rate.norm of `latency`. `readWeights` reads the network's weight values (784·256 + 256·128 + 128·10, "
    "in the row format's width) front to back and does nothing else: a row with no zero input reads every weight "
    "once, so this is the floor under its time. The single-row path skips the weights of zero inputs, and about half "
    "of these images' pixels are 0 (51.7% of the first 64 images'), so `latency` can go below it; with random rows in "
    "[0, 255] (`-p input=random`: about 3 zeros in 784) it cannot. Batch rows/s is the total over the request threads (the score is per "
    "row: `@OperationsPerInvocation(1024)`); the batch path multiplies in float32 whatever the row format, so the "
    "two rows differ there only by noise. bfloat16 row weights round the weights for single rows only "
    "(README, \"Serving predictions\"): a different precision, shown beside float32, not instead of it.",
    "",
]


def _latency(results, method, row_weights):
    return results.figure(f"PredictorBench.{method}", None, "us/op", rowWeights=row_weights, jmh_threads=1)


def _rows_per_second(results, row_weights, threads):
    return results.figure("PredictorBench.batch", None, "ops/s", rowWeights=row_weights, jmh_threads=threads,
                          blas_threads=1)


def _microseconds(x, at_most):
    return jmh.MISSING if x is None else f"{jmh.significant(x)} µs{jmh.mark(x, at_most, True)}"


def _p(figure, key):
    return None if figure is None else figure.percentile(key)


def body(results):
    formats = results.axis("rowWeights", ROW_WEIGHTS, "PredictorBench")
    rows = []
    for rw in formats:
        latency = _latency(results, "latency", rw)
        allocated = results.figure("PredictorBench.latency", "gc.alloc.rate.norm", "B/op", rowWeights=rw,
                                   jmh_threads=1)
        rows.append([rw.lower()] + [jmh.significant(_p(latency, key)) for key, _ in PERCENTILES] +
                    [jmh.significant(allocated, 2), jmh.significant(_p(_latency(results, "readWeights", rw), "50.0"))] +
                    [jmh.number(_rows_per_second(results, rw, t)) for t in REQUEST_THREADS])
    header = (["row weights"] + [f"{label} µs" for _, label in PERCENTILES] + ["B/op", "readWeights p50 µs"] +
              [f"batch 1024 rows/s, {t} thread{'s' * (t != '1')}" for t in REQUEST_THREADS])
    out = page.table(header, rows) + page.missing(results)

    targets = []
    for rw in formats:
        latency = _latency(results, "latency", rw)
        p50, p99 = _p(latency, "50.0"), _p(latency, "99.0")
        targets.append(f"{rw.lower()}: p50 {_microseconds(p50, P50_TARGET)}, p99 {_microseconds(p99, P99_TARGET)}")
    batch = _rows_per_second(results, "FLOAT32", ROWS_TARGET_THREADS)
    out += [f"Targets, batch 1 with one thread: p50 ≤ {P50_TARGET:g} µs and p99 ≤ {P99_TARGET:g} µs — "
            f"{'; '.join(targets)} (float32 is the headline). Batch 1024 ≥ {ROWS_TARGET:,} rows/s with "
            f"{ROWS_TARGET_THREADS} request threads: {jmh.number(batch)}{jmh.mark(batch, ROWS_TARGET)}.", ""]
    return out + page.missing(results) + NOTES
