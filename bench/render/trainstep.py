"""The training-step section (TrainStepBench): a whole step next to its eight sgemm calls alone, per batch and
OpenBLAS thread count, with the target on the sgemm share (>= 80% at batch 1024)."""
import jmh
import page

TITLE = "Training step (forward, loss, backward, Adam) vs the same sgemm calls alone"
MEASURED = ("One training step of 784-256-128-10 (ReLU, softmax cross-entropy, He, Adam) on a fixed batch, next to "
            "`sgemmOnly`: the step's eight matrix products (same shapes, same transposes, through the same validating "
            "door) and nothing else.")
BATCHES = ("32", "128", "1024")
THREADS = ("1", "2")
SHARE_TARGET = 0.80  # the target: >= 80% of the step in sgemm at batch 1024
TARGET_BATCH = "1024"

NOTES = [
    "sgemm share = sgemmOnly / step: what is left is the Java kernels and the downcalls. samples/s = batch / step. "
    "Step and sgemmOnly are measured one after the other, minutes apart, and the machine's speed moves between "
    "them: read the share with both errors in mind.",
    "",
    "B/op is `-prof gc`'s gc.alloc.rate.norm (Java heap only: arenas are off-heap), the mean over the iterations, and "
    "beside it the worst single iteration. `sgemmOnly` makes nothing but eight downcalls, so what it "
    "shows is JMH's own per-iteration allocation spread over the iteration's operations (more B/op where there are "
    "fewer, longer operations); a step at the same level in every iteration allocates nothing itself, while a worst "
    "iteration far above it means code that allocates ran during that iteration (its time is affected too). The unit tests (`TrainerTest`, "
    "`ModelTest`) assert exactly 0 bytes per step on the thread once C2 has compiled; kilobytes per step mean a "
    "kernel ran outside C2-compiled code for a while (the interpreter and C1 allocate every Vector API vector).",
    "",
]


def _times(results, batch, threads):
    where = {"batch": batch, "blas_threads": threads}
    step = results.figure("TrainStepBench.step", None, "us/op", **where)
    sgemm = results.figure("TrainStepBench.sgemmOnly", None, "us/op", **where)
    return step, sgemm


def body(results):
    threads = results.axis("blas_threads", THREADS, "TrainStepBench")
    batches = results.axis("batch", BATCHES, "TrainStepBench")
    rows, over = [], False
    for t in threads:
        for b in batches:
            step, sgemm = _times(results, b, t)
            allocated = [results.figure(f"TrainStepBench.{m}", "gc.alloc.rate.norm", "B/op", batch=b, blas_threads=t)
                         for m in ("step", "sgemmOnly")]
            share = jmh.ratio(sgemm, step)
            over = over or (share is not None and share > 1)
            per_second = jmh.ratio(int(b), step.score * 1e-6 if step and step.score else None)
            target = SHARE_TARGET if b == TARGET_BATCH else None
            worst = allocated[0].worst() if allocated[0] else None
            rows.append([b, t, jmh.with_error(step), jmh.with_error(sgemm), jmh.percent(share, target),
                         jmh.number(per_second)] + [jmh.significant(a, 2) for a in allocated]
                        + [jmh.significant(worst, 2)])
    out = page.table(["batch", "OpenBLAS threads", "step µs", "sgemm only µs", "sgemm share", "samples/s",
                      "step B/op", "sgemm only B/op", "step B/op, worst iteration"], rows, text_columns=0)
    out += page.missing(results)
    verdicts = []
    for t in threads:
        step, sgemm = _times(results, TARGET_BATCH, t)
        verdicts.append(f"{jmh.percent(jmh.ratio(sgemm, step), SHARE_TARGET)} with {t} thread{'s' * (t != '1')}")
    out += [f"Target, sgemm share ≥ {SHARE_TARGET:.0%} at batch {TARGET_BATCH}: {', '.join(verdicts)}.", ""]
    if over:
        out += ["A share above 100% means `sgemmOnly` measured slower than the whole step that contains the same "
                "products: the machine's speed changed between the two measurements (noise, not a result).", ""]
    return out + page.missing(results) + NOTES
