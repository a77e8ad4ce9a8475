"""The optimizer section (OptimizerBench): each fused optimizer step in GB/s next to a copy of the same tensor,
with its allocation per step and the target (Adam >= 70% of copy)."""
import jmh
import page

TITLE = "Optimizer steps vs copy"
MEASURED = ("One optimizer step over a single float32 parameter tensor, next to a plain copy of the same tensor "
            "measured in the same run: the bandwidth ceiling the fused updates are measured against.")
STEPS = (("copy", "copy"), ("sgd", "SGD"), ("momentum", "momentum"), ("rmsprop", "RMSprop"), ("adam", "Adam"))
SIZES = ("1000000",)
ADAM_TARGET = 0.70  # the target: Adam at >= 70% of copy

NOTES = [
    "Bytes as STREAM counts them, every element read or written once per pass (OptimizerBench): copy 2 tensors, "
    "SGD 3, momentum and RMSprop 5, Adam 7 per element. Above 100% of copy means the fused kernel reads more than it "
    "writes while the copy writes as much as it reads (tensors in L2/L3): \"not memory-limited\", not an exact "
    "ratio. B/op is `-prof gc`'s gc.alloc.rate.norm: JMH's own per-iteration allocation spread over the "
    "iteration's steps shows as a few bytes; a step that allocated would show kilobytes.",
    "",
]


def _gbps(results, method, where):
    return results.gbps(f"OptimizerBench.{method}", "bytes", **where)


def body(results):
    out = []
    for n in results.axis("n", SIZES, "OptimizerBench"):
        for dtype in results.axis("dtype", ("F32",), "OptimizerBench"):
            where = {"n": n, "dtype": dtype}
            copy = _gbps(results, "copy", where)
            rows = []
            for method, label in STEPS:
                gbps = _gbps(results, method, where)
                allocated = results.figure(f"OptimizerBench.{method}", "gc.alloc.rate.norm", "B/op", **where)
                rows.append([label, jmh.with_error(gbps), jmh.percent(jmh.ratio(gbps, copy)),
                             jmh.significant(allocated, 2)])
            adam = jmh.ratio(_gbps(results, "adam", where), copy)
            out += [f"### {int(n):,} {dtype} elements per tensor", ""]
            out += page.table(["step", "GB/s", "% of copy", "B/op"], rows) + page.missing(results)
            out += [f"Target, Adam ≥ {ADAM_TARGET:.0%} of copy: {jmh.percent(adam, ADAM_TARGET)}.", ""]
    return out + NOTES
