#!/usr/bin/python3
"""The comparison driver. bench/compare/run installs the peers and builds the sgemm reference, then runs this.

Order: the training cells (batch x threads; within a cell the engines take turns run by run), then the
accuracy runs (Gatun's leaves the model file its inference runs load), then inference (batch 1 with one
thread, batch 1024 with each thread count). One engine process at a time. The raw record is rewritten after
every run, so an interrupted comparison still leaves its data; the markdown is written at the end.
"""
import argparse
import datetime
import gzip
import json
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engines as engine_defs  # noqa: E402
import machine  # noqa: E402
import report  # noqa: E402
import runner  # noqa: E402

ENGINE_KEYS = ("torch", "numpy", "c", "gatun", "onnxruntime")
WARMUP_STEPS = 1000
TIMED_EPOCHS = 3
# Test accuracy moves by seed (initialisation and batch order) with a standard deviation of 0.4-0.7 points after 5
# epochs at batch 128 (20 seeds each, 2026-12-06: Gatun 0.42, PyTorch 0.51, NumPy 0.70), as wide as the 0.5-point
# target. Over those 20 seeds Gatun - PyTorch was +0.02 points, while seeds 0-4 alone gave -0.65; drawn from the same
# 20 (with replacement), medians over 3 seeds differed by more than 0.5 points in 16% of draws, over 5 seeds in 8%,
# over 10 in 2%. Accuracy runs are short (5-9 s each), so they get seeds of their own rather than --runs.
ACCURACY_SEEDS = 10


def train_epochs(samples, batch):
    """Epochs per training run at a batch size: the warm-up (at least two epochs and WARMUP_STEPS steps, with the
    last partial batch counted as a step) and then the TIMED_EPOCHS the figure is the median of."""
    steps_per_epoch = -(-samples // batch)
    return TIMED_EPOCHS + max(2, -(-WARMUP_STEPS // steps_per_epoch))


def _int_list(text):
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got '{text}'")
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got '{text}'")
    return values


def _training_samples(data):
    """The training set's size, from its labels file's IDX header (plain or gzipped)."""
    for name in ("train-labels-idx1-ubyte", "train-labels-idx1-ubyte.gz"):
        path = os.path.join(data, name)
        if os.path.exists(path):
            with (gzip.open if name.endswith(".gz") else open)(path, "rb") as f:
                header = f.read(8)
            if len(header) < 8:
                raise SystemExit(f"compare: {path} is shorter than an IDX header (8 bytes)")
            return int.from_bytes(header[4:8], "big")
    raise SystemExit(f"compare: no train-labels-idx1-ubyte[.gz] in {data}")


def _engine_list(text):
    keys = [v.strip() for v in text.split(",") if v.strip()]
    unknown = [k for k in keys if k not in ENGINE_KEYS]
    if unknown or not keys:
        raise argparse.ArgumentTypeError(f"unknown engine(s) {unknown or text!r}: choose from {','.join(ENGINE_KEYS)}")
    return keys


def _arguments():
    p = argparse.ArgumentParser(prog="bench/compare/run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 1024 samples for the peers, 1 training epoch for every engine, 1 run, short inference; "
                        "writes under bench/results/tmp/ only")
    p.add_argument("--only", type=_engine_list, default=list(ENGINE_KEYS), help="engines: torch,numpy,c,gatun,onnxruntime")
    p.add_argument("--runs", type=int, help="runs per figure (default 3; --quick: 1)")
    p.add_argument("--accuracy-seeds", type=int,
                   help=f"accuracy runs per engine, seeds 0 to N-1 (default {ACCURACY_SEEDS}; --quick: 1)")
    p.add_argument("--batches", type=_int_list, default=[32, 128, 1024])
    p.add_argument("--threads", type=_int_list, default=[1, 2])
    p.add_argument("--seconds", type=float, help="timed seconds per inference run (default 5; --quick: 0.5)")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--coretype", help="OpenBLAS kernel set for every engine alike (OPENBLAS_CORETYPE, e.g. SkylakeX); "
                                      "default: the environment's. Another set writes compare-<coretype>.md")
    p.add_argument("--root", required=True, help=argparse.SUPPRESS)
    p.add_argument("--skips", help=argparse.SUPPRESS)  # key<TAB>reason lines from the install step
    p.add_argument("--bound-binary", required=True, help=argparse.SUPPRESS)
    p.add_argument("--command-line", default="", help=argparse.SUPPRESS)
    args = p.parse_args()
    for name in ("runs", "accuracy_seeds"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    if args.seconds is not None and args.seconds <= 0:
        p.error(f"--seconds must be > 0, got {args.seconds}")
    return args


class Settings:
    def __init__(self, args, stamp):
        self.quick = args.quick
        self.root = args.root
        self.data = args.data
        self.runs = args.runs or (1 if args.quick else 3)
        self.batches = args.batches
        self.threads = args.threads
        self.accuracy_threads = max(args.threads)
        self.limit = 1024 if args.quick else None  # peers only: Gatun's CLI has no sample limit
        self.accuracy_epochs = 1 if args.quick else 5
        self.accuracy_seeds = args.accuracy_seeds or (1 if args.quick else ACCURACY_SEEDS)
        # At a batch size every engine trains the same number of epochs; the figure is the median of the last
        # TIMED_EPOCHS (engines.steady_samples_per_second) and the ones before them are the warm-up (the first
        # epoch's time is reported on its own). A JIT warms up per call, not per sample, so the warm-up is at least
        # two epochs and at least WARMUP_STEPS steps: at batch 1024 an epoch is 59 steps, and after two of them
        # Gatun's once-a-step methods were still reaching C2; at batch 128 with two threads its third epoch (steps
        # 939-1407) ran at 79-95k samples/s in three runs of four, against 106-129k in epochs 5-7 (BENCHMARKS.md,
        # "Batch 1024's third epoch" and "The side-by-side's warm-up").
        samples = self.limit or _training_samples(self.data)
        self.timed_epochs = 1 if args.quick else TIMED_EPOCHS
        self.warmup_steps = 0 if args.quick else WARMUP_STEPS
        self.train_epochs = {b: 1 if args.quick else train_epochs(samples, b) for b in self.batches}
        self.infer_seconds = args.seconds or (0.5 if args.quick else 5.0)
        self.warmup_seconds = 0.2 if args.quick else 1.0
        # Gatun's benchmark takes decimal seconds: it gets the peers' timing and warm-up exactly, so that --quick
        # does not time Gatun longer, or after a longer warm-up, than the engines it is compared with.
        self.gatun_seconds = self.infer_seconds
        self.bound_seconds = 0.3 if args.quick else 3.0
        self.timeout = 600 if args.quick else 3600
        self.gatun = os.environ.get("GATUN", os.path.join(args.root, "gatun"))
        self.bound_binary = args.bound_binary
        results = os.path.join(args.root, "bench", "results")
        self.results_dir = os.path.join(results, "tmp") if args.quick else results
        self.work_dir = os.path.join(results, "tmp", f"compare-{stamp}")
        self.json_path = os.path.join(self.results_dir, f"compare{'-quick' if args.quick else ''}-{stamp}.json")
        # OpenBLAS reads OPENBLAS_CORETYPE once, when it is loaded: it goes into every engine's environment alike,
        # and a set other than the environment's gets a report of its own beside the default one.
        environment_coretype = os.environ.get("OPENBLAS_CORETYPE")
        self.coretype = args.coretype or environment_coretype
        self.coretype_from_environment = not args.coretype or args.coretype == environment_coretype
        suffix = "" if self.coretype_from_environment else "-" + args.coretype.lower()
        self.md_path = os.path.join(self.results_dir, f"compare{suffix}-quick.md" if args.quick else f"compare{suffix}.md")

    def public(self):
        keys = ("quick", "data", "runs", "batches", "threads", "accuracy_threads", "limit", "accuracy_epochs",
                "accuracy_seeds", "train_epochs", "timed_epochs", "warmup_steps", "infer_seconds", "warmup_seconds", "gatun_seconds",
                "bound_seconds", "coretype", "coretype_from_environment")
        return {k: getattr(self, k) for k in keys}


def _read_skips(path):
    skips = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "\t" in line:
                    key, reason = line.rstrip("\n").split("\t", 1)
                    skips[key] = reason
    return skips


def _plan(settings, engines):
    """Every run in order: (engine, mode, batch, threads, run index)."""
    plan = []
    for t in settings.threads:
        for b in settings.batches:
            for r in range(settings.runs):
                plan += [(e, "train", b, t, r) for e in engines if e.runs("train")]
    for seed in range(settings.accuracy_seeds):  # an accuracy run's index is its seed
        plan += [(e, "accuracy", 128, settings.accuracy_threads, seed) for e in engines if e.runs("accuracy")]
    cells = [(1, 1)] + [(1024, t) for t in settings.threads]
    for b, t in cells:
        for r in range(settings.runs):
            plan += [(e, "infer", b, t, r) for e in engines if e.runs("infer") and e.serves(b)]
    return plan


def _describe(engine, mode, result):
    if mode == "train":
        rate = result.get("samples_per_second")
        if rate is None:
            return f"no figure: {len(result.get('history') or [])} epochs in its history (see its log)"
        return f"{rate:,.0f} samples/s"
    if mode == "accuracy":
        return f"test accuracy {result.get('test_accuracy')}"
    latency = f"p50 {result['p50_us']:.1f} µs, " if result.get("p50_us") is not None else ""  # the bound has none
    return f"{latency}{result.get('throughput_per_second', 0):,.0f} samples/s"


def main():
    args = _arguments()
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    settings = Settings(args, stamp)
    os.makedirs(settings.work_dir, exist_ok=True)
    os.makedirs(settings.results_dir, exist_ok=True)
    engines = engine_defs.build(settings, _read_skips(args.skips), args.only)
    record = {"started": now.strftime("%Y-%m-%d %H:%M UTC"), "finished": None,
              "command": args.command_line or shlex.join(sys.argv), "settings": settings.public(),
              "json": settings.json_path, "root": args.root, "machine": machine.facts(),
              "engines": {e.key: dict(e.unavailable) for e in engines}, "runs": []}
    for e in engines:
        for mode, reason in e.unavailable.items():
            print(f"compare: skipping {e.label} {mode}: {reason}", file=sys.stderr)

    def save():
        with open(settings.json_path, "w") as f:
            json.dump(record, f, indent=1)

    plan = _plan(settings, engines)
    gatun = next(e for e in engines if e.key == "gatun")
    for i, (engine, mode, batch, threads, run) in enumerate(plan, 1):
        if isinstance(engine, engine_defs.Gatun) and mode == "infer":
            engine.model = engine.model or gatun.model  # every Gatun variant serves the accuracy run's model
            if engine.model is None or not os.path.exists(engine.model):
                reason = "no model file: the Gatun accuracy runs left none (see their logs)"
                record["engines"][engine.key].setdefault("infer", reason)
                print(f"compare: [{i}/{len(plan)}] {engine.label} infer skipped: {reason}", file=sys.stderr)
                continue
        if isinstance(engine, engine_defs.OnnxRuntime):
            reason = engine.prepare(gatun.model)
            if reason:
                record["engines"][engine.key].setdefault("infer", reason)
                print(f"compare: [{i}/{len(plan)}] {engine.label} infer skipped: {reason}", file=sys.stderr)
                continue
        cmd = engine.command(mode, batch, threads, run)
        env = engine.env(threads)
        if settings.coretype:
            env["OPENBLAS_CORETYPE"] = settings.coretype
        log = os.path.join(settings.work_dir, f"{mode}-{engine.key}-b{batch}-t{threads}-run{run}")
        outcome = runner.run(cmd, env, log, settings.timeout)
        if outcome.get("ok"):
            outcome["result"] = engine.extract(mode, batch, outcome["result"])
        if engine is gatun and mode == "accuracy":
            gatun.accuracy_finished(run, outcome.get("ok"))
        thread_env = {k: env[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                          "OMP_WAIT_POLICY", "OPENBLAS_CORETYPE") if k in env}
        record["runs"].append(dict(engine=engine.key, mode=mode, batch=batch, threads=threads, run=run,
                                   command=cmd, env=thread_env, **outcome))
        save()
        said = _describe(engine, mode, outcome["result"]) if outcome.get("ok") else "FAILED: " + outcome["error"]
        which = f"seed {run}" if mode == "accuracy" else f"run {run + 1}"
        print(f"compare: [{i}/{len(plan)}] {engine.label} {mode} batch {batch} threads {threads} {which}: "
              f"{said} ({outcome.get('wall_seconds', 0):.1f} s)", file=sys.stderr, flush=True)
    record["finished"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    report.write(record, settings.md_path)
    save()
    print(f"compare: wrote {settings.md_path} and {settings.json_path}", file=sys.stderr)
    if not settings.quick:  # a smoke run never replaces the published tables
        subprocess.run([os.path.join(settings.root, "bench", "splice-benchmarks"), settings.md_path], check=True)
    failed = [r for r in record["runs"] if not r.get("ok")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
