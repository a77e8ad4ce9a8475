"""Renders a bench/gemm-report run (its manifest and raw JSON, bench/results/gemm/) as the gemm section of
BENCHMARKS.md, with PNG plots of GFLOPS against size per library and call path.

The same statistic on every side: JMH's score (the mean over its measurement iterations) with its error (the
99.9% confidence half-width, Student's t over the iterations), and C's mean over its equal batches with the same
half-width computed from the batches. A figure the raw files lack is "—"; a path a library does not have is blank.

    bench/render/gemm.py bench/results/gemm/manifest.json --out bench/results/gemm.md [--plots DIR]
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import page  # noqa: E402

TITLE = "gemm: any CBLAS library and kernel set, from C and along every Java call path"
PATH_NAMES = {"c": "C", "door": "Gatun door", "raw": "raw binding", "bytedeco": "bytedeco JNI",
              "jniblas": "netlib JNIBLAS", "vectorblas": "netlib VectorBLAS"}
PRECISION_NAMES = {"s": "sgemm", "d": "dgemm"}
JMH_PRECISION = {"s": "f32", "d": "f64"}
RATIO_MIN_DIM = 256  # Gatun/C is judged where every dimension is at least this
RATIO_TARGET = 0.97
# Student's t at 0.9995 (two-sided 99.9%, as JMH's score error) by degrees of freedom; past 30 the normal's 3.291.
T_999 = {1: 636.62, 2: 31.599, 3: 12.924, 4: 8.610, 5: 6.869, 6: 5.959, 7: 5.408, 8: 5.041, 9: 4.781, 10: 4.587,
         11: 4.437, 12: 4.318, 13: 4.221, 14: 4.140, 15: 4.073, 16: 4.015, 17: 3.965, 18: 3.922, 19: 3.883,
         20: 3.850, 25: 3.725, 30: 3.646}


def t_999(df):
    if df in T_999:
        return T_999[df]
    below = max(d for d in T_999 if d < df) if df < 30 else None
    return T_999[below] if below else 3.291


class Figure:
    """A mean time per call in ns with its 99.9% half-width (None when unknown)."""

    def __init__(self, ns, error):
        self.ns, self.error = ns, error

    def gflops(self, flops):
        return flops / self.ns

    def relative_error(self):
        return None if self.error is None or math.isnan(self.error) else self.error / self.ns


def c_figure(line):
    batches = line.get("batch_ns") or []
    stdev = line.get("ns_stdev")
    # as JMH: no half-width from fewer than three samples
    error = t_999(len(batches) - 1) * stdev / math.sqrt(len(batches)) if len(batches) > 2 and stdev is not None \
        else None
    return Figure(line["ns_per_call"], error)


def jmh_figure(result):
    metric = result["primaryMetric"]
    if metric["scoreUnit"] != "ns/op":
        raise ValueError(f"{result['benchmark']} reported {metric['scoreUnit']}, expected ns/op")
    error = metric.get("scoreError")
    return Figure(metric["score"], None if error in (None, "NaN") else float(error))


def shape_of(argument):
    m, n, k = (int(x) for x in argument.split("x"))
    return m, n, k


def label(argument):
    m, n, k = shape_of(argument)
    return f"{m}×{k} · ({n}×{k})ᵀ"


def flops(argument):
    m, n, k = shape_of(argument)
    return 2.0 * m * n * k


class Run:
    """The manifest and every figure it points at: figure(config id, precision, shape, path) -> Figure or None."""

    def __init__(self, manifest_path):
        self.directory = os.path.dirname(os.path.abspath(manifest_path))
        with open(manifest_path) as f:
            self.manifest = json.load(f)
        self.figures = {}
        self.c_lines = {}
        self.pairs = {}  # (config id, precision, shape) -> GemmPaired's line
        for config in self.manifest["configs"]:
            for line in (self._load(config["paired"]) if config.get("paired") else None) or []:
                precision = next(p for p, j in JMH_PRECISION.items() if j == line["precision"])
                self.pairs[(config["id"], precision, line["shape"])] = line
            for precision, name in config.get("c", {}).items():
                for line in self._load(name) or []:
                    key = (config["id"], precision, f"{line['m']}x{line['n']}x{line['k']}")
                    self.figures[key + ("c",)] = c_figure(line)
                    self.c_lines[config["id"]] = line
            for result in (self._load(config["jmh"]) if config.get("jmh") else None) or []:
                path = result["benchmark"].rsplit(".", 1)[1]
                precision = next(p for p, j in JMH_PRECISION.items() if j == result["params"]["precision"])
                self.figures[(config["id"], precision, result["params"]["shape"], path)] = jmh_figure(result)

    def _load(self, name):
        try:
            with open(os.path.join(self.directory, name)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def figure(self, config, precision, shape, path):
        return self.figures.get((config["id"], precision, shape, path))

    def paired(self, config, precision, shape):
        return self.pairs.get((config["id"], precision, shape))


class Ratio:
    """Gatun/C: C's mean ns per call over the door's. From GemmPaired (both in one process, batch pairs in turns) with
    the 99.9% half-width of the pairs' ratios, or, for a run without it, from the separate C and JMH figures."""

    def __init__(self, value, relative_error=None, paired=True):
        self.value, self.relative_error, self.paired = value, relative_error, paired

    @staticmethod
    def of_pairs(line):
        c, door = line["c_ns"], line["door_ns"]
        ratios = [x / y for x, y in zip(c, door)]
        mean = sum(ratios) / len(ratios)
        stdev = math.sqrt(sum((r - mean) ** 2 for r in ratios) / (len(ratios) - 1))
        error = t_999(len(ratios) - 1) * stdev / math.sqrt(len(ratios)) / mean if len(ratios) > 2 else None
        return Ratio(sum(c) / sum(door), error)

    def text(self):
        spread = f" ± {self.relative_error * 100:.1f}%" if self.relative_error is not None else ""
        return f"{self.value:.3f}{spread}" + ("" if self.paired else " (separate)") + \
            ("" if self.value >= RATIO_TARGET else " ✗")


def cell(figure, shape):
    if figure is None:
        return "—"
    relative = figure.relative_error()
    value = page_number(figure.gflops(flops(shape)))
    return value if relative is None else f"{value} ± {relative * 100:.1f}%"


def page_number(value):
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def ratio_applies(shape):
    return min(shape_of(shape)) >= RATIO_MIN_DIM


def kernels_text(config):
    variable = config.get("kernel_variable")
    if not variable:
        return "no kernel choice"
    return f"{variable}={config['kernels']}" if config.get("kernels") else f"{variable} unset (the library's choice)"


def heading(config, precision):
    threads = f"{config['threads']} thread{'s' * (config['threads'] != 1)}"
    return f"### {config['title']} · {kernels_text(config)} · {threads} · {PRECISION_NAMES[precision]}"


def config_table(run, config, precision):
    paths = config["paths"]
    header = ["shape (A · Bᵀ)"] + [PATH_NAMES[p] for p in paths]
    if "c" in paths and "door" in paths:
        header.insert(paths.index("door") + 2, "Gatun/C")
    rows, ratios, separate = [], [], []
    for shape in config["shapes"]:
        row = [label(shape)] + [cell(run.figure(config, precision, shape, p), shape) for p in paths]
        if "Gatun/C" in header:
            c, door = run.figure(config, precision, shape, "c"), run.figure(config, precision, shape, "door")
            if c is not None and door is not None and ratio_applies(shape):
                separate.append(c.ns / door.ns)
            line = run.paired(config, precision, shape)
            ratio = None if not ratio_applies(shape) else Ratio.of_pairs(line) if line else \
                Ratio(separate[-1], paired=False) if c is not None and door is not None else None
            if ratio is not None:
                ratios.append(ratio)
            row.insert(header.index("Gatun/C"), "" if not ratio_applies(shape) else ratio.text() if ratio else "—")
        rows.append(row)
    return page.table(header, rows), ratios, separate


def library_line(run, config):
    parts = [f"`{page.shown_path(config['path'])}`" if config.get("path") else "no native library"]
    if config.get("package"):
        parts.append(config["package"])
    line = run.c_lines.get(config["id"])
    if line and line.get("config"):
        parts.append(f"`{line['config']}`" + (f", core {line['core']}" if line.get("core") else ""))
    text = "Library: " + "; ".join(parts) + "."
    for path, files in sorted(config.get("loaded", {}).items()):
        text += f" {PATH_NAMES.get(path, path)} mapped: " + ", ".join(f"`{page.shown_path(f)}`" for f in files) + "."
    if config.get("skipped_shapes"):
        text += " Not run (slower than a few calls a second): " + ", ".join(
            label(s) for s in config["skipped_shapes"]) + "."
    return text


def per_call_rows(run):
    rows = []
    for config in run.manifest["configs"]:
        for precision in config["precisions"]:
            shape = "4x4x4"
            f = {p: run.figure(config, precision, shape, p) for p in ("c", "door", "raw")}
            if f["door"] is None or f["raw"] is None:
                continue
            rows.append([f"{config['id']} {PRECISION_NAMES[precision]}"]
                        + [ns(f[p]) for p in ("c", "door", "raw")]
                        + [f"{f['door'].ns - f['raw'].ns:.1f}", "—" if f["c"] is None else f"{f['raw'].ns - f['c'].ns:.1f}"])
    return rows


def ns(figure):
    if figure is None:
        return "—"
    relative = figure.relative_error()
    return f"{figure.ns:.1f}" + ("" if relative is None else f" ± {figure.error:.1f}")


def plot_groups(run):
    """(library title, kernels, precision) -> configs at each thread count, the unit of one PNG."""
    groups = {}
    for config in run.manifest["configs"]:
        for precision in config["precisions"]:
            key = (config["library"], config.get("kernels") or "auto", precision)
            groups.setdefault(key, []).append(config)
    return groups


def plots(run, plot_dir):
    """One PNG per library, kernel set and precision: GFLOPS against n (square shapes), a line per call path, a
    panel per thread count. Returns [(file, caption)]; raises ImportError without matplotlib."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    written = []
    for (library, kernels, precision), configs in plot_groups(run).items():
        figure, axes = plt.subplots(1, len(configs), figsize=(5.5 * len(configs), 4), squeeze=False)
        for axis, config in zip(axes[0], configs):
            squares = [s for s in config["shapes"] if len(set(shape_of(s))) == 1]
            for path in config["paths"]:
                points = [(shape_of(s)[0], run.figure(config, precision, s, path), s) for s in squares]
                points = [(n, f.gflops(flops(s)), (f.error or 0) / f.ns * f.gflops(flops(s))) for n, f, s in points if f]
                if points:
                    xs, ys, errors = zip(*points)
                    axis.errorbar(xs, ys, yerr=errors, marker="o", capsize=2, label=PATH_NAMES[path])
            axis.set_xscale("log", base=2)
            axis.set_ylim(bottom=0)
            axis.set_xlabel("n (n×n · n×n)")
            axis.set_ylabel("GFLOPS")
            axis.set_title(f"{config['threads']} thread{'s' * (config['threads'] != 1)}")
            axis.grid(True, alpha=0.3)
            axis.legend(fontsize=8)
        caption = f"{configs[0]['title']}, {kernels_text(configs[0])}, {PRECISION_NAMES[precision]}"
        figure.suptitle(caption, fontsize=10)
        figure.tight_layout()
        name = f"gemm-{library}-{kernels}-{precision}.png"
        figure.savefig(os.path.join(plot_dir, name), dpi=80)
        plt.close(figure)
        written.append((os.path.join(plot_dir, name), caption))
    return written


def render(manifest_path, plot_dir=None):
    """(markdown, [plot files]); plots go to plot_dir (none when it is None)."""
    run = Run(manifest_path)
    m = run.manifest
    lines = page.head(TITLE, MEASURED, m.get("started"), m.get("finished"), m.get("quick"))
    lines += [f"Command: `{m['command']}` (took {m.get('seconds', 0) // 60} min {m.get('seconds', 0) % 60} s), "
              f"with the environment's OPENBLAS_CORETYPE={m['environment'].get('OPENBLAS_CORETYPE') or 'unset'} and "
              f"BLIS_ARCH_TYPE={m['environment'].get('BLIS_ARCH_TYPE') or 'unset'}; a library@KERNELS in --libs sets "
              f"its variable for that library's C and Java processes alike, as each heading says.", ""]
    machine = m.get("machine", {})
    lines += [f"Machine: {machine.get('cpu')}, {machine.get('cpus')} logical CPUs, SIMD {machine.get('flags')}; "
              f"Linux {machine.get('kernel')}; {machine.get('java')}; {machine.get('gcc')} -O2.", ""]
    s = m["settings"]
    lines += [f"Statistic: Java paths are JMH's mean over {s['iterations']} iterations of {s['time']} s (after "
              f"{s['warmup_iterations']} warm-up of {s['warmup_time']} s, 1 fork); C is the mean over "
              f"{s['c_batches']} equal batches of at least {s['c_min_time']} s each. Both ± the 99.9% confidence "
              f"half-width (Student's t), as a percentage of the GFLOPS." + (
                  f" Gatun/C is measured apart, in one JVM (GemmPaired): pairs of batches of at least "
                  f"{s.get('paired_min_time', '—')} s, the door's and a C loop's through the same function on the "
                  f"same operands, taken in turns after {s.get('paired_warmup', '—')} s of warm-up: "
                  f"{s.get('paired_batches', '—')} pairs"
                  + (f", then more, two at a time, while the standard error of their ratios exceeds "
                     f"{s['paired_target_error'] * 100:g}% (new ones start for at most {s['paired_max_seconds']:g} s "
                     f"after the required pairs)" if s.get("paired_max_seconds") else "")
                  + "; it is C's mean over the door's, ± the 99.9% half-width of the pairs' ratios."
                  if run.pairs else ""), ""]

    plot_files = []
    if plot_dir:
        try:
            plot_files = plots(run, plot_dir)
        except ImportError:
            lines += ["Plots: not drawn, matplotlib is missing (apt-get install python3-matplotlib).", ""]
    all_ratios, all_separate = [], []
    for config in m["configs"]:
        for precision in config["precisions"]:
            lines += [heading(config, precision), ""]
            table, ratios, separate = config_table(run, config, precision)
            all_ratios += ratios
            all_separate += separate
            lines += table
        lines += [library_line(run, config), ""]
        lines += [f"**Failed:** {e}" for e in config.get("errors", [])] + ([""] if config.get("errors") else [])
    if all_ratios:
        met = sum(r.value >= RATIO_TARGET for r in all_ratios)
        paired = sum(r.paired for r in all_ratios)
        lines += [f"Gatun/C where every dimension is ≥ {RATIO_MIN_DIM}: {met} of {len(all_ratios)} at or above "
                  f"{RATIO_TARGET} (✗ marks the others); lowest {min(r.value for r in all_ratios):.3f}; "
                  f"{paired} of them paired in one process."]
        if all_separate:
            lines += [f"The same cells from the separate figures (the C column's process against the Gatun door "
                      f"column's JMH run): {sum(r >= RATIO_TARGET for r in all_separate)} of {len(all_separate)} "
                      f"at or above {RATIO_TARGET}, lowest {min(all_separate):.3f}."]
        lines += [""]
    rows = per_call_rows(run)
    if rows:
        lines += ["### Per-call cost at n = 4 (ns per call, lower is better)", ""]
        lines += page.table(["configuration", "C", "Gatun door", "raw binding", "door checks (door − raw)",
                             "FFM downcall (raw − C)"], rows)
    if plot_files:
        lines += ["### Plots: GFLOPS against n, per library and call path", ""]
        lines += [f"![{caption}]({page_relative(path)})" for path, caption in plot_files] + [""]
    lines += NOTES + [""]
    lines += [f"Raw results: `{page_relative(run.directory)}/` (manifest.json names every file). Commands, from the "
              "repository root, with the variables each process got:", "", "```"]
    lines += [c for config in m["configs"] for c in config.get("commands", [])] + ["```", ""]
    return "\n".join(lines), [p for p, _ in plot_files]


def page_relative(path):
    return page._relative(path)


MEASURED = ("`C = A·Bᵀ` (row-major, B stored n×k, alpha 1, beta 0: a dense layer's forward product) for square n "
            "and the MLP layer m×784 · 784×256, in GFLOPS (higher is better), per library, kernel set, thread count "
            "and precision; every path's result is checked against dot products in double before it is timed.")
NOTES = [
    "- C: bench/native/gemm_bench.c, `cblas_?gemm` from the library file opened with dlopen, as the door opens it. "
    "Gatun door: `Blas.gemm` with -Dgatun.blas.library=PATH (GemmBench.door). Raw binding: the generated "
    "`cblas_h.cblas_?gemm` on the same segments, no checks (GemmBench.raw). bytedeco JNI: "
    "`org.bytedeco.openblas.global.openblas.cblas_?gemm` on pointers to the same off-heap memory, its own bundled "
    "library. netlib JNIBLAS: `dev.ludovic.netlib` as Spark calls it, Fortran-style on Java arrays (the row-major "
    "product as the column-major `gemm(\"T\", \"N\", n, m, k, …)`), the library file it mapped named under each "
    "table. netlib VectorBLAS: its Java BLAS on the Vector API, single-threaded.",
    "- Threads: OPENBLAS_NUM_THREADS and BLIS_NUM_THREADS in every process's environment, plus each path's own "
    "call where it has one (-Dgatun.threads for the door, `blas_set_num_threads` for bytedeco, "
    "`openblas_set_num_threads`/`bli_thread_set_num_threads` in C). The reference BLAS and VectorBLAS are "
    "single-threaded, so they run at 1 thread only.",
    f"- Gatun/C = C's ns per call / the door's, shown where every dimension is ≥ {RATIO_MIN_DIM} "
    f"(target ≥ {RATIO_TARGET}). It is measured in one process because the C and Java columns come from separate "
    "processes minutes apart, between which the same product's time moves by several percent from run to run; the "
    "door's checks cost nanoseconds (the per-call table) against products of hundreds of microseconds and more. "
    "GemmPaired (bench/java) calls bench/native/gemm_loop.c, a C loop over the `cblas_?gemm` the door's binding "
    "resolved, once per batch, and times the door's batches in Java with the same repetitions, alternating which "
    "side goes first.",
]


def main():
    p = argparse.ArgumentParser(prog="bench/render/gemm.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("manifest")
    p.add_argument("--out", required=True)
    p.add_argument("--plots", help="directory for the PNGs (default: the manifest's)")
    args = p.parse_args()
    text, files = render(args.manifest, args.plots or os.path.dirname(os.path.abspath(args.manifest)))
    with open(args.out, "w") as f:
        f.write(text)
    print(f"wrote {args.out} and {len(files)} plots")


if __name__ == "__main__":
    main()
