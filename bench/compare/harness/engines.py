"""The engines the comparison runs, and their exact command lines.

Gatun's commands are the GATUN_* templates below, in one place: when its command line changes, change them
here (and GATUN_FIELDS if the JSON names change). Placeholders: {gatun} {data} {batch} {threads} {epochs}
{seed} {model} {seconds} {warmup} {batch_threads}. Every engine prints one JSON object on its last line of output.
"""
import os
import statistics
import subprocess

LAYERS = "784,256,128,10"

GATUN_TRAIN = ["{gatun}", "train", "--data", "{data}", "--layers", LAYERS, "--activation", "relu", "--init", "he",
               "--optimizer", "adam", "--lr", "1e-3", "--batch", "{batch}", "--epochs", "{epochs}",
               "--threads", "{threads}", "--dev", "0", "--seed", "{seed}", "--json"]
GATUN_ACCURACY = GATUN_TRAIN + ["--out", "{model}"]  # the accuracy run leaves the model the inference runs load
# One request stream, as the peers get, whose batches the predictor cuts into T shares run on T threads with one
# OpenBLAS thread each (--batch-threads): T cores in all, as the peers' T BLAS threads. (Until 2026-12-07 this was
# T request streams, a configuration the peers were not given; bench/compare/one-stream runs both.)
# The calls go through the first 64 batches of test images, as the Python peers' and ONNX Runtime's do (Gatun's row
# kernel skips the weights of zero inputs, so the rows' values are part of the work).
GATUN_BENCHMARK = ["{gatun}", "benchmark", "--model", "{model}", "--batch", "{batch}", "--threads", "1",
                   "--batch-threads", "{batch_threads}", "--blas-threads", "1", "--seconds", "{seconds}", "--warmup", "{warmup}", "--input", "{test_images}",
                   "--json"]
# Gatun's opt-in half-precision row weights (README, "Serving predictions"): single rows only, so batch 1 only.
GATUN_BENCHMARK_BF16 = GATUN_BENCHMARK + ["--row-weights", "bfloat16"]
GATUN_FIELDS = {"samples_per_second": "samples_per_second", "test_accuracy": "test_accuracy",
                "p50_us": "p50_us", "p99_us": "p99_us", "throughput_per_second": "throughput_per_second"}

# ONNX Runtime's peer serves Gatun's accuracy-run model exported to ONNX: the same weights and normalisation.
GATUN_EXPORT = ["{gatun}", "export", "--onnx", "{model}", "{onnx}"]
ONNX_RUNTIME_PEER = "dev.gatun.bench.OnnxRuntimePeer"  # bench/java; onnxruntime is a test-scope dependency

PYTHON = "/usr/bin/python3"  # Debian's interpreter: the one python3-torch and python3-numpy install into
PEER_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "peers")


class Engine:
    """One engine: a key for --only, a label for the tables, the modes it runs, and why it cannot (if so)."""

    def __init__(self, key, label, modes):
        self.key = key
        self.label = label
        self.modes = modes
        self.unavailable = {}  # mode -> reason; a mode missing from here is available

    def skip(self, reason, modes=None):
        for mode in modes or self.modes:
            self.unavailable.setdefault(mode, reason)

    def runs(self, mode):
        return mode in self.modes and mode not in self.unavailable

    def serves(self, batch):
        """Whether its inference runs at this batch size."""
        return True

    def env(self, threads):
        """Thread variables set before the process starts: OpenBLAS reads its own once, when it is loaded.
        OMP_WAIT_POLICY=PASSIVE keeps an OpenMP pool (PyTorch's) from spinning against OpenBLAS's threads,
        which collapses two threads on two cores."""
        env = dict(os.environ)
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(threads)
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        return env

    def extract(self, mode, batch, result):
        return result


def steady_samples_per_second(result, timed_epochs, planned_epochs):
    """The training figure: the median samples/s of the run's last `timed_epochs` epochs (the ones before them
    are its warm-up), from the history every engine's train JSON carries. A median of several epochs rather than
    the last one alone, because this machine's speed moves by more than the targets' margins within seconds. None
    when the run did not train all `planned_epochs` (stopped early, its last epochs would include warm-up ones)."""
    history = result.get("history") or []
    if len(history) != planned_epochs:
        return None
    rates = [e.get("samples_per_second") for e in history[-timed_epochs:]]
    if len(rates) < timed_epochs or any(not r for r in rates):
        return None
    return statistics.median(rates)


def train_figures(result, samples, timed_epochs, planned_epochs):
    """A train run's result with the harness's figures: the steady samples/s (the engine's own last-epoch figure
    kept as last_epoch_samples_per_second) and the first epoch's seconds."""
    out = dict(result, last_epoch_samples_per_second=result.get("samples_per_second"),
               samples_per_second=steady_samples_per_second(result, timed_epochs, planned_epochs))
    out["first_epoch_seconds"] = first_epoch_seconds(result, samples)
    return out


def first_epoch_seconds(result, samples):
    """The first (warm-up) epoch's training time, from the history every engine's train JSON carries."""
    history = result.get("history") or []
    if not history or not history[0].get("samples_per_second") or not samples:
        return None
    return samples / history[0]["samples_per_second"]


class PythonPeer(Engine):
    def __init__(self, key, label, script, settings):
        super().__init__(key, label, {"train", "accuracy", "infer"})
        self.script = os.path.join(PEER_DIR, script)
        self.settings = settings

    def extract(self, mode, batch, result):
        if mode == "train":
            result = train_figures(result, result.get("samples"), self.settings.timed_epochs,
                                   self.settings.train_epochs[batch])
        return result

    def command(self, mode, batch, threads, run):
        s = self.settings
        cmd = [PYTHON, self.script, "--mode", mode, "--data", s.data, "--batch", str(batch),
               "--threads", str(threads), "--seed", str(run)]
        if mode == "train":
            cmd += ["--epochs", str(s.train_epochs[batch])]
        elif mode == "accuracy":
            cmd += ["--epochs", str(s.accuracy_epochs)]
        else:
            cmd += ["--seconds", str(s.infer_seconds), "--warmup-seconds", str(s.warmup_seconds)]
        if s.limit:
            cmd += ["--limit", str(s.limit)]
        return cmd


class SgemmBound(Engine):
    """The matrix products alone, from C: a training step's eight, or batch inference's three forward ones."""

    def __init__(self, binary, settings):
        super().__init__("c", "sgemm bound", {"train", "infer"})
        self.binary = binary
        self.settings = settings

    def serves(self, batch):
        return batch > 1  # a single row is not a matrix product: its floor is reading the weights (PredictorBench)

    def command(self, mode, batch, threads, run):
        return [self.binary, "--mode", mode, "--batch", str(batch), "--threads", str(threads),
                "--seconds", str(self.settings.bound_seconds)]


def test_images(data):
    """The test images' IDX file in the data directory, gzipped or not (as peers/fmnist.py looks for it)."""
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte"):
        if os.path.exists(os.path.join(data, name)):
            return os.path.join(data, name)
    return os.path.join(data, "t10k-images-idx3-ubyte.gz")  # missing: the benchmark's error names it


class Gatun(Engine):
    def __init__(self, launcher, settings, key="gatun", label="Gatun", modes=("train", "accuracy", "infer"),
                 benchmark=GATUN_BENCHMARK, single_rows_only=False):
        super().__init__(key, label, set(modes))
        self.launcher = launcher
        self.settings = settings
        self.benchmark = benchmark
        self.single_rows_only = single_rows_only  # a variant of the row kernel: batch 1 is all it changes
        self.model = os.environ.get("GATUN_MODEL")  # a model to benchmark; else the accuracy run's

    def serves(self, batch):
        return batch == 1 or not self.single_rows_only

    def model_path(self, run):
        return os.path.join(self.settings.work_dir, f"gatun-model-run{run}.gatun")

    def command(self, mode, batch, threads, run):
        s = self.settings
        values = {"gatun": self.launcher, "data": s.data, "batch": batch, "threads": threads,
                  "epochs": s.train_epochs.get(batch), "seed": run, "model": self.model or self.model_path(run),
                  "seconds": s.gatun_seconds, "warmup": s.warmup_seconds, "test_images": test_images(s.data),
                  # gatun benchmark refuses batch threads that would get under 64 rows each (none would split)
                  "batch_threads": max(1, min(threads, batch // 64))}
        if mode == "accuracy":
            values.update(epochs=s.accuracy_epochs, model=self.model_path(run))
        template = {"train": GATUN_TRAIN, "accuracy": GATUN_ACCURACY, "infer": self.benchmark}[mode]
        return [part.format(**values) for part in template]

    def accuracy_finished(self, run, ok):
        """After an accuracy run: its model becomes the one the inference runs load, if none was given."""
        if ok and self.model is None and os.path.exists(self.model_path(run)):
            self.model = self.model_path(run)

    def extract(self, mode, batch, result):
        out = dict(result)
        out.update({ours: result[theirs] for ours, theirs in GATUN_FIELDS.items() if theirs in result})
        if mode == "train":
            out = train_figures(out, result.get("train_samples"), self.settings.timed_epochs,
                                self.settings.train_epochs[batch])
            first = out["first_epoch_seconds"]
            # Gatun may step a small model before its first epoch to get the step's code compiled; that time is
            # part of its start-up, so it counts with the first epoch here.
            out["first_epoch_seconds"] = None if first is None else first + (result.get("warm_up_seconds") or 0)
        return out

    def probe(self, log_dir):
        """Asks the launcher whether `train` and `benchmark` exist yet (the first call may build Gatun).
        `gatun help SUB` exits non-zero for an unknown subcommand (`gatun SUB --help` would not)."""
        if not os.access(self.launcher, os.X_OK):
            self.skip(f"no launcher at {self.launcher}")
            return
        for sub, modes in (("train", ["train", "accuracy"]), ("benchmark", ["infer"])):
            log = os.path.join(log_dir, f"gatun-probe-{sub}.log")
            with open(log, "w") as out:
                try:
                    rc = subprocess.run([self.launcher, "help", sub], stdout=out, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, timeout=1800).returncode
                except subprocess.TimeoutExpired:
                    rc = "timeout"
            if rc != 0:
                with open(log) as f:
                    last = [line.strip() for line in f if line.strip()][-1:] or [""]
                self.skip(f"`gatun {sub}` is not available yet (exit {rc}: {last[0][:160]})", modes)
        if "accuracy" in self.unavailable and self.model is None:
            self.skip("no model to benchmark: the accuracy run (`gatun train --out`) is not available", ["infer"])


class OnnxRuntime(Engine):
    """ONNX Runtime Java (the pom's test-scope onnxruntime) on Gatun's model exported by `gatun export --onnx`,
    called per request as a Java service calls it: bench/java's OnnxRuntimePeer. Inference only."""

    def __init__(self, settings):
        super().__init__("onnxruntime", "ONNX Runtime (Java)", {"infer"})
        self.settings = settings
        self.onnx = None
        self.classpath = None

    def prepare(self, gatun_model):
        """Exports the model and finds the bench class path, once; returns why the peer cannot run, or None."""
        if self.onnx and self.classpath:
            return None
        s = self.settings
        if not gatun_model or not os.path.exists(gatun_model):
            return "no Gatun model to export: the Gatun accuracy runs left none"
        onnx = os.path.join(s.work_dir, "gatun-model.onnx")
        log = os.path.join(s.work_dir, "onnxruntime-prepare.log")
        export = [part.format(gatun=s.gatun, model=gatun_model, onnx=onnx) for part in GATUN_EXPORT]
        lib = os.path.join(s.root, "bench", "lib.sh")
        with open(log, "w") as out:
            if subprocess.run(export, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL).returncode != 0:
                return f"`{' '.join(export)}` failed (see {log})"
            # bench/lib.sh compiles the test classes (OnnxRuntimePeer) when sources changed and prints their class path.
            found = subprocess.run(["bash", "-c", f'source "{lib}" && gatun_bench_build && gatun_bench_classpath'],
                                   stdout=subprocess.PIPE, stderr=out, stdin=subprocess.DEVNULL, text=True)
        if found.returncode != 0 or not found.stdout.strip():
            return f"the bench class path could not be built (see {log})"
        self.onnx, self.classpath = onnx, found.stdout.strip()
        return None

    def command(self, mode, batch, threads, run):
        s = self.settings
        java = os.path.join(os.environ["JAVA_HOME"], "bin", "java") if os.environ.get("JAVA_HOME") else "java"
        return [java, "--enable-native-access=ALL-UNNAMED", "-cp", self.classpath, ONNX_RUNTIME_PEER,
                "--model", self.onnx, "--data", s.data, "--batch", str(batch), "--threads", str(threads),
                "--seconds", str(s.infer_seconds), "--warmup-seconds", str(s.warmup_seconds)]


def build(settings, skips, only):
    """All engines in the order they run within each cell; skips maps key -> reason from the install step."""
    gatun = Gatun(settings.gatun, settings)
    gatun_bf16 = Gatun(settings.gatun, settings, "gatun-bf16", "Gatun, bfloat16 row weights", ("infer",),
                       GATUN_BENCHMARK_BF16, single_rows_only=True)
    engines = [SgemmBound(settings.bound_binary, settings),
               PythonPeer("torch", "PyTorch", "torch_mlp.py", settings),
               PythonPeer("numpy", "NumPy", "numpy_mlp.py", settings),
               gatun, gatun_bf16, OnnxRuntime(settings)]
    for engine in engines:
        key = "gatun" if engine is gatun_bf16 else engine.key
        if key not in only:
            engine.skip("not selected (--only)")
        elif key in skips:
            engine.skip(skips[key])
        elif engine is gatun:
            engine.probe(settings.work_dir)
        elif "infer" in gatun.unavailable:  # the bfloat16 variant and ONNX Runtime serve Gatun's model
            engine.skip(gatun.unavailable["infer"])
    return engines
