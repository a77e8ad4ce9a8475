"""The kernels section (KernelBench): GB/s of every float32 kernel next to a copy of the same 1M floats and next
to its scalar twin, one table per shape, then the targets against copy and the exp ceiling."""
import jmh
import page

TITLE = "Kernels, float32, 1M floats"
MEASURED = ("Each Java kernel of the training step on 1M float32 values in two shapes (1000×1000, and 100000×10 like a "
            "classifier's output): its Vector API form, its scalar twin, and a plain copy of the same bytes measured "
            "in the same run.")
SHAPES = ("1000x1000", "100000x10")
YARDSTICKS = ("copy", "expOnly")
KERNELS = YARDSTICKS + (
    "batchNormBackward", "batchNormForward", "batchNormMeanVariance", "biasRelu", "biasSigmoid", "columnSums",
    "dropoutBackward", "dropoutForward", "l1Gradient", "l2Gradient", "reluBackward", "sigmoidCrossEntropy",
    "softmax", "softmaxCrossEntropy", "squaredError", "sumAbs", "sumSquares", "tanhBackward")
# The target: these two at >= 70% of copy on 1M floats.
COPY_TARGETS = ("biasRelu", "softmaxCrossEntropy")
COPY_TARGET = 0.70
# One exp per element each: none can process elements faster than expOnly does.
ONE_EXP = ("softmax", "softmaxCrossEntropy", "biasSigmoid", "sigmoidCrossEntropy")

NOTES = [
    "GB/s = the bytes of the 4 MB operands each benchmark reads and writes per call (as KernelBench counts them) × "
    "calls per second; ± is JMH's 99.9% confidence half-width. The scalar twins compute in double through "
    "`Tensor.get`/`set`, as the tests' oracle does: they are the reference for correctness, not a tuned scalar "
    "kernel.",
    "",
    "Above 100% of copy: in-cache kernels that read more than they write, against a copy that writes as much as it "
    "reads; read it as \"not memory-limited\", not as an exact ratio.",
    "",
    "`kernels/FastExp` (Cody–Waite range reduction and a polynomial) is the exp of the float32 softmax, sigmoid and "
    "tanh kernels and of `expOnly`. It is there for identical results on every platform and in every JIT tier "
    "(seeded runs are bitwise reproducible across processes), not for speed.",
    "",
]


def _label(shape):
    return shape.replace("x", "×")


def _gbps(results, kernel, shape, impl):
    return results.gbps(f"KernelBench.{kernel}", "bytes", shape=shape, impl=impl)


def _shape_table(results, shape, kernels):
    copy = _gbps(results, "copy", shape, "vector")
    rows = []
    for kernel in kernels:
        vector, scalar = _gbps(results, kernel, shape, "vector"), _gbps(results, kernel, shape, "scalar")
        rows.append([f"`{kernel}`", jmh.with_error(vector), jmh.significant(scalar),
                     jmh.percent(jmh.ratio(vector, copy)), jmh.times(jmh.ratio(vector, scalar))])
    return ([f"### {_label(shape)}", ""] +
            page.table(["kernel", "Vector API GB/s", "scalar twin GB/s", "vector / copy", "vector / scalar"], rows) +
            page.missing(results))


def _copy_share(results, kernel, shape):
    return jmh.ratio(_gbps(results, kernel, shape, "vector"), _gbps(results, "copy", shape, "vector"))


def _exp_share(results, kernel, shape):
    # calls per second, not GB/s: every call covers the same 1M elements, and sigmoid-CE moves more bytes per element
    def calls(name):
        return results.figure(f"KernelBench.{name}", None, "ops/s", shape=shape, impl="vector")
    return jmh.ratio(calls(kernel), calls("expOnly"))


def _targets(results, shapes):
    labels = [_label(s) for s in shapes]
    rows = [[f"`{k}` ≥ {COPY_TARGET:.0%} of copy"] +
            [jmh.percent(_copy_share(results, k, s), COPY_TARGET) for s in shapes] for k in COPY_TARGETS]
    out = ["### Targets against copy", ""] + page.table(["target (vector / copy)"] + labels, rows)
    out += page.missing(results)
    exp_of_copy = {s: _copy_share(results, "expOnly", s) for s in shapes}
    out += ["Kernels with one exp per element cannot process elements faster than `expOnly` (out = exp(Z) with the "
            "kernels' own FastExp and nothing else), their ceiling. Their calls per second as a share of "
            "`expOnly`'s (every call covers the same 1M elements):", ""]
    rows = [[f"`{k}`"] + [jmh.percent(_exp_share(results, k, s)) for s in shapes] for k in ONE_EXP]
    rows.append(["`expOnly` itself, vector / copy"] + [jmh.percent(exp_of_copy[s]) for s in shapes])
    out += page.table(["kernel (one exp per element)"] + labels, rows) + page.missing(results)
    below = [_label(s) for s in shapes if exp_of_copy[s] is not None and exp_of_copy[s] < COPY_TARGET]
    if below:
        out += [f"`expOnly` alone runs below {COPY_TARGET:.0%} of copy on {' and '.join(below)}: there, no kernel "
                f"with one exp per element (`softmaxCrossEntropy` among them) can meet the {COPY_TARGET:.0%}-of-copy "
                "target on this machine.", ""]
    return out


def body(results):
    shapes = results.axis("shape", SHAPES, "KernelBench")
    kernels = list(KERNELS) + [m for m in results.methods("KernelBench") if m not in KERNELS]
    out = []
    for shape in shapes:
        out += _shape_table(results, shape, kernels)
    return out + _targets(results, shapes) + NOTES
