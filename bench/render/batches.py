"""The batch-assembly section (BatchAssemblyBench and TrainingLoopBench together): how fast batches are gathered
from the mapped Fashion-MNIST images, and what that costs per training epoch, alone and inside the training loop,
against the target (assembly < 5% of an epoch)."""
import math

import jmh
import page

TITLE = "Batch assembly vs a training epoch"
MEASURED = ("Batch assembly from the memory-mapped Fashion-MNIST training images (gather + uint8→float32 + scale to "
            "[0, 1] into the reused batch buffer) on its own, and the Trainer's step on real shuffled batches with "
            "and without that gather.")
BATCHES = ("32", "128", "1024")
ORDERS = ("shuffled", "sequential")
THREADS = ("1", "2")
TRAIN_IMAGES = 60_000  # the Fashion-MNIST training set both benchmarks read
TARGET = 0.05  # the target: batch assembly < 5% of a training epoch

ASSEMBLY_NOTES = [
    "`assemble` = `Batches.next()` on the calling thread (no prefetching); `copyRows` = the same rows in the same "
    "order copied as float32 from a copy of the data set made in set-up: the memory-bandwidth floor of producing "
    "those bytes, in the same run. GB/s of float32 produced (`floatBytes`). Shuffled gathers touch a random "
    "784-byte row of a 47 MB mapping per sample (cache and TLB misses), sequential ones stream.",
    "",
]
EPOCH_NOTES = [
    "Assembly alone: ceil(60,000 / batch) batches (BatchAssemblyBench keeps the last partial batch) ÷ shuffled "
    "`assemble` batches per second, on warm caches, single-threaded whatever the OpenBLAS threads. Training epoch: "
    "floor(60,000 / batch) batches (TrainingLoopBench drops the last partial batch) × `loopStep`, the Trainer's step "
    "including its gather. In-loop assembly: (`loopStep` − `fixedStep`) × the same batches, where `fixedStep` is the "
    "same step on the batch gathered last: the gather as a training run pays it, with the step's own data having "
    "pushed the batch buffer and the images out of the caches. The prefetch thread (`Batches.prefetch(true)`) hides "
    "the gather when a core is free, which with two BLAS threads on two cores it is not.",
    "",
]


def _gbps(results, method, batch, order):
    return results.gbps(f"BatchAssemblyBench.{method}", "floatBytes", batch=batch, order=order)


def _assembly(results):
    rows = []
    for b in results.axis("batch", BATCHES, "BatchAssemblyBench"):
        for order in results.axis("order", ORDERS, "BatchAssemblyBench"):
            per_second = results.figure("BatchAssemblyBench.assemble", None, "ops/s", batch=b, order=order)
            rows.append([b, order, jmh.number(per_second), jmh.significant(_gbps(results, "assemble", b, order)),
                         jmh.significant(_gbps(results, "copyRows", b, order))])
    data = next((e["params"].get("dataDir") for e in results.entries if "dataDir" in (e.get("params") or {})), None)
    out = ["### Assembly alone (BatchAssemblyBench)", ""]
    if data:
        out += [f"Images: `{data}`, memory-mapped.", ""]
    out += page.table(["batch", "order", "assemble batches/s", "assemble GB/s", "copyRows GB/s"], rows, 2)
    return out + page.missing(results) + ASSEMBLY_NOTES


def epoch_costs(results, batch, threads):
    """(assembly alone ms, training epoch s, in-loop assembly ms, its error ms) of one epoch, each None without its
    data. The in-loop figure is the difference of two steps measured apart; its error is theirs combined (JMH's 99.9%
    half-widths in quadrature), None when either has none."""
    b = int(batch)
    assembled = results.figure("BatchAssemblyBench.assemble", None, "ops/s", batch=batch, order="shuffled")
    alone_ms = jmh.ratio(math.ceil(TRAIN_IMAGES / b) * 1e3, assembled)
    where = {"batch": batch, "blas_threads": threads}
    loop = results.figure("TrainingLoopBench.loopStep", None, "us/op", **where)
    fixed = results.figure("TrainingLoopBench.fixedStep", None, "us/op", **where)
    steps = TRAIN_IMAGES // b
    epoch_s = None if jmh.value(loop) is None else steps * loop.score * 1e-6
    gather = jmh.difference(loop, fixed)
    in_loop_ms = None if gather is None else steps * gather * 1e-3
    errors = [getattr(f, "error", None) for f in (loop, fixed)]
    in_loop_error_ms = (None if in_loop_ms is None or None in errors
                        else steps * math.hypot(*errors) * 1e-3)
    return alone_ms, epoch_s, in_loop_ms, in_loop_error_ms


def _epochs(results):
    rows, verdicts = [], {"in the loop": [], "alone": []}
    for t in results.axis("blas_threads", THREADS, "TrainingLoopBench"):
        for b in results.axis("batch", BATCHES, "TrainingLoopBench"):
            alone_ms, epoch_s, in_loop_ms, in_loop_error_ms = epoch_costs(results, b, t)
            alone = jmh.ratio(alone_ms, None if epoch_s is None else epoch_s * 1e3)
            in_loop = jmh.ratio(in_loop_ms, None if epoch_s is None else epoch_s * 1e3)
            # A difference within its error (a negative one among them) is noise: neither met nor missed.
            noise = in_loop_ms is not None and (in_loop_ms <= 0 or (in_loop_error_ms is not None
                                                                  and abs(in_loop_ms) <= in_loop_error_ms))
            where = f"batch {b} with {t} thread{'s' * (t != '1')}"
            if in_loop is not None:
                verdicts["in the loop"].append(("noise" if noise else in_loop < TARGET, where))
            if alone is not None:
                verdicts["alone"].append((alone < TARGET, where))
            in_loop_text = (f"{jmh.significant(in_loop_ms)} ± {jmh.significant(in_loop_error_ms)}"
                            if in_loop_error_ms is not None else jmh.significant(in_loop_ms))
            rows.append([b, t, jmh.significant(alone_ms), jmh.significant(epoch_s), jmh.percent(alone, TARGET, True),
                         in_loop_text, "inconclusive" if noise else jmh.percent(in_loop, TARGET, True)])
    out = ["### Assembly per training epoch", ""]
    out += page.table(["batch", "OpenBLAS threads", "assembly alone, ms / epoch", "training epoch, s",
                       "alone / epoch", "in-loop assembly, ms / epoch", "in-loop / epoch"], rows, 0)
    out += page.missing(results)

    def summary(key):
        cells = verdicts[key]
        if not cells:
            return "no data"
        missed = [where for met, where in cells if met is False]
        unknown = [where for met, where in cells if met == "noise"]
        met = len(cells) - len(missed) - len(unknown)
        text = (f"met in all {len(cells)} cells ✓" if not missed and not unknown else
                f"missed at {', '.join(missed)} ✗ (met in {met} of {len(cells)})" if missed else
                f"met in {met} of {len(cells)}")
        return text + (f"; inconclusive at {', '.join(unknown)} (not counted as met)" if unknown else "")
    out += [f"Target, batch assembly < {TARGET:.0%} of a training epoch: in the loop, which is what a "
            f"training run pays, {summary('in the loop')}; assembly alone on warm caches, {summary('alone')}. "
            "The in-loop figure is the difference of two steps measured apart, ± their errors combined: one within "
            "its error, or negative (the gather cannot cost less than nothing: the two steps ran at different "
            "speeds), is inconclusive and not counted as met.", ""]
    return out + EPOCH_NOTES


def body(results):
    return _assembly(results) + _epochs(results)
