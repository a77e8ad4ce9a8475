"""What one bench/gemm-report run measures: its options, the libraries and kernel sets, the configurations (one
per library, kernel set and thread count), the shapes and call paths of each, and how long it should take.

No side effects here (bench/gemm/report.py runs the plan), so the tests can check every rule on its own.
"""
import argparse
import os
from dataclasses import dataclass, field

LIBRARY_DIR = "/usr/lib/x86_64-linux-gnu"
BYTEDECO_VERSION = "0.3.31-1.5.13"


@dataclass(frozen=True)
class Library:
    """A BLAS the harness knows: where it is, which variable picks its kernels, and what bounds its runs."""
    name: str
    title: str
    path: str | None  # None: found by report.py (the bytedeco copy) or no native library at all (vectorblas)
    kernel_variable: str | None  # OPENBLAS_CORETYPE, BLIS_ARCH_TYPE, or None when it has no kernel sets
    paths: tuple  # the call paths that measure it
    default_paths: tuple = ()  # the paths a run without --paths measures: all of paths unless given
    max_threads: int | None = None  # single-threaded libraries run at 1 thread only
    max_size: int | None = None  # the slow ones stop past the flops of n = max_size, before a call takes seconds
    gflops: tuple = (100.0, 50.0)  # a rough per-thread rate (single, double) for the duration estimate only


LIBRARIES = {lib.name: lib for lib in [
    Library("openblas", "OpenBLAS (Debian, the system's)", f"{LIBRARY_DIR}/libopenblas.so.0", "OPENBLAS_CORETYPE",
            ("c", "door", "raw", "jniblas")),
    # JNIBLAS runs by default where Spark's default libblas.so.3 leads (the system OpenBLAS); elsewhere on request
    Library("openblas-bytedeco", f"OpenBLAS from bytedeco's jar (org.bytedeco:openblas:{BYTEDECO_VERSION})", None,
            "OPENBLAS_CORETYPE", ("c", "door", "raw", "bytedeco", "jniblas"), ("c", "door", "raw", "bytedeco")),
    Library("blis", "BLIS (Debian libblis4-pthread)", f"{LIBRARY_DIR}/libblis.so.4", "BLIS_ARCH_TYPE",
            ("c", "door", "raw", "jniblas"), ("c", "door", "raw"), gflops=(35.0, 17.0)),
    Library("reference", "reference BLAS (Debian libblas3)", f"{LIBRARY_DIR}/blas/libblas.so.3", None,
            ("c", "door", "raw", "jniblas"), ("c", "door", "raw"), max_threads=1, max_size=512, gflops=(2.5, 2.5)),
    Library("vectorblas", "no native library: netlib's Java BLAS on the Vector API", None, None, ("vectorblas",),
            max_threads=1, max_size=1024, gflops=(20.0, 10.0)),
]}
PATHS = ("c", "door", "raw", "bytedeco", "jniblas", "vectorblas")
JAVA_PATHS = PATHS[1:]
PRECISIONS = {"s": "f32", "d": "f64"}
ALL_SQUARES = (4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048)
DEFAULT_SQUARES = (4, 64, 256, 1024, 2048)
DEFAULT_MLP = (1, 128, 1024)
MLP_IN, MLP_OUT = 784, 256
RATIO_MIN_DIM = 256  # Gatun/C is judged, and GemmPaired run, where every dimension is at least this
EXTENDED_SHARE = 17 / 50  # paired cells that added pairs in the run of 2026-12-05 07:20 UTC; each may take the cap
FORK_SECONDS = 1.2  # a JMH fork: JVM start, loading the library, making and checking the operands (1.1 s measured
# here with the cores free; over 2 s while other builds ran, so the estimate holds for an idle machine only)


@dataclass(frozen=True)
class Shape:
    m: int
    n: int
    k: int

    @property
    def argument(self):
        return f"{self.m}x{self.n}x{self.k}"

    @property
    def square(self):
        return self.m == self.n == self.k

    @property
    def flops(self):
        return 2.0 * self.m * self.n * self.k


@dataclass
class Config:
    """One library at one kernel set and thread count: one C run per precision and one JMH run for all its paths."""
    library: Library
    kernels: str | None  # the kernel variable's value; None: unset (the library picks)
    threads: int
    precisions: tuple
    shapes: tuple
    paths: tuple
    skipped: list = field(default_factory=list)  # shapes over the library's max_size

    @property
    def id(self):
        return f"{self.library.name}-{self.kernels or 'auto'}-t{self.threads}"

    @property
    def java_paths(self):
        return tuple(p for p in self.paths if p != "c")

    def pairs(self, shape):
        """Whether GemmPaired measures the door against C's loop on this shape: where Gatun/C is judged."""
        return "c" in self.paths and "door" in self.paths and min(shape.m, shape.n, shape.k) >= RATIO_MIN_DIM

    def environment(self):
        """The variables this configuration's processes get (C and every JVM alike)."""
        env = {name: str(self.threads) for name in ("OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS", "OMP_NUM_THREADS")}
        if self.library.kernel_variable and self.kernels:
            env[self.library.kernel_variable] = self.kernels
        return env

    def unset(self):
        """The variables this configuration's processes must not inherit: the kernel variable when left to the library."""
        return [self.library.kernel_variable] if self.library.kernel_variable and not self.kernels else []


def csv(cast):
    def parse(text):
        try:
            return tuple(cast(x.strip()) for x in text.split(",") if x.strip())
        except ValueError as e:
            raise argparse.ArgumentTypeError(f"'{text}': {e}")
    return parse


def parser():
    p = argparse.ArgumentParser(prog="bench/gemm-report", formatter_class=argparse.RawDescriptionHelpFormatter,
                                description=DESCRIPTION, epilog=EPILOG)
    p.add_argument("--libs", type=csv(str), default=tuple(LIBRARIES),
                   help="libraries, each NAME or NAME@KERNELS (the kernel variable's value, e.g. openblas@SkylakeX, "
                        "blis@skx; NAME@auto unsets it); default: all, at the environment's kernels")
    p.add_argument("--paths", type=csv(str), help=f"call paths among {','.join(PATHS)}, each where the library "
                   "has it (default: every path but jniblas, which runs on the system OpenBLAS only)")
    p.add_argument("--sizes", type=csv(int), help=f"square sizes n (default: {','.join(map(str, DEFAULT_SQUARES))}; "
                   "'all' for every power of two 4..2048)")
    p.add_argument("--mlp", type=csv(int), help="batch sizes m of the MLP layer m×784 · 784×256 (default: "
                   f"{','.join(map(str, DEFAULT_MLP))}; '' for none)")
    p.add_argument("--threads", type=csv(int), help="thread counts (default: 1,2)")
    p.add_argument("--precision", type=csv(str), default=("s", "d"), help="s (sgemm), d (dgemm) or both (default)")
    p.add_argument("--quick", action="store_true", help="smoke test: the shortest timings and, unless given, sizes "
                   "4,64, mlp 1, 1 thread; output under bench/results/tmp/gemm-quick unless --out is given")
    p.add_argument("--out", help="directory for gemm.md, its plots and raw results (default bench/results)")
    # Short timings are enough once C and the JVM run side by side, shape by shape (report.py): 3 × 0.5 s warm-ups and
    # 5 × 0.5 s iterations, tried on 2026-12-04, doubled the run without narrowing the errors or lifting Gatun/C.
    p.add_argument("--warmup-iterations", type=int, default=1)
    p.add_argument("--warmup-time", type=float, default=0.2, help="seconds per JMH warm-up iteration")
    p.add_argument("--iterations", type=int, default=5, help="JMH measurement iterations")
    p.add_argument("--time", type=float, default=0.2, help="seconds per JMH measurement iteration")
    p.add_argument("--c-batches", type=int, default=5, help="C batches per shape (the mean over them is reported)")
    p.add_argument("--c-min-time", type=float, default=0.1, help="seconds each C batch lasts at least")
    # Paired batches can be short: the two sides meet the same machine state, so drift cancels in their ratio
    p.add_argument("--paired-batches", type=int, default=8, help="GemmPaired's batch pairs per shape and precision")
    p.add_argument("--paired-min-time", type=float, default=0.05, help="seconds each GemmPaired batch lasts at least")
    p.add_argument("--paired-warmup", type=float, default=0.3, help="seconds of alternating batches GemmPaired "
                   "runs before it times")
    # A few cells scatter by ±5-10% a pair (one 0.5 s call a batch, BLIS's threads); more pairs there, not everywhere
    p.add_argument("--paired-target-error", type=float, default=0.0075, help="after --paired-batches, GemmPaired "
                   "adds pairs while the standard error of their ratios exceeds this (relative) ...")
    p.add_argument("--paired-max-seconds", type=float, default=6.0, help="... starting new ones for at most this "
                   "many seconds after the required pairs, per shape and precision")
    p.add_argument("--dry-run", action="store_true", help="print the plan and its estimate, run nothing")
    return p


DESCRIPTION = ("gemm per BLAS library, kernel set, call path, precision and thread count, from C and from Java; "
               "writes gemm.md for BENCHMARKS.md, PNG plots and the raw results. Libraries: "
               + ", ".join(f"{lib.name} ({lib.title})" for lib in LIBRARIES.values()) + ".")
EPILOG = """\
Every library runs through the same paths: C (bench/native/gemm_bench.c, dlopen of the library file), Gatun's door
(-Dgatun.blas.library=PATH), the raw jextract binding, netlib's JNIBLAS (-Ddev.ludovic.netlib.blas.nativeLibPath=PATH;
for the system OpenBLAS its default libblas.so.3, as Spark loads it), and for the bytedeco OpenBLAS bytedeco's own
JNI binding. vectorblas is netlib's Vector API Java BLAS (no native library, single-threaded).
Kernel sets: NAME@VALUE sets OPENBLAS_CORETYPE or BLIS_ARCH_TYPE for that library's C and Java processes alike;
without @, the environment's value is kept (and written beside every figure)."""


def parse(argv, environ=None):
    environ = os.environ if environ is None else environ
    args = parser().parse_args(_expand_all(argv))
    quick = args.quick
    args.sizes = args.sizes if args.sizes is not None else (4, 64) if quick else DEFAULT_SQUARES
    args.mlp = args.mlp if args.mlp is not None else (1,) if quick else DEFAULT_MLP
    args.threads = args.threads if args.threads is not None else (1,) if quick else (1, 2)
    if quick:  # the explicit options above win; the timings are always the shortest
        args.warmup_iterations, args.warmup_time, args.iterations, args.time = 1, 0.1, 2, 0.1
        args.c_batches, args.c_min_time = 3, 0.02
        args.paired_batches, args.paired_min_time, args.paired_warmup, args.paired_max_seconds = 2, 0.02, 0.05, 0
    for path in args.paths or ():
        if path not in PATHS:
            raise SystemExit(f"bench/gemm-report: unknown path '{path}': choose from {','.join(PATHS)}")
    for precision in args.precision:
        if precision not in PRECISIONS:
            raise SystemExit(f"bench/gemm-report: unknown precision '{precision}': s or d")
    for n in args.sizes + args.mlp + args.threads:
        if n < 1:
            raise SystemExit(f"bench/gemm-report: sizes, batch sizes and thread counts must be positive, not {n}")
    if not args.paired_target_error > 0 or args.paired_max_seconds < 0:
        raise SystemExit("bench/gemm-report: --paired-target-error must be positive and --paired-max-seconds not "
                         "negative")
    if args.c_batches < 2 or args.iterations < 2 or args.paired_batches < 2:
        raise SystemExit("bench/gemm-report: --c-batches, --iterations and --paired-batches must be at least 2 (a "
                         "spread needs two)")
    args.configs = configs(args, environ)
    return args


def _expand_all(argv):
    out, expand = [], False
    for a in argv:
        out.append(",".join(map(str, ALL_SQUARES)) if expand and a == "all" else a)
        expand = a == "--sizes"
    return out


def library_kernels(spec, environ):
    """(Library, kernels) from NAME or NAME@KERNELS; without @ the environment's value of the library's variable."""
    name, _, kernels = spec.partition("@")
    if name not in LIBRARIES:
        raise SystemExit(f"bench/gemm-report: unknown library '{name}': choose from {','.join(LIBRARIES)}")
    library = LIBRARIES[name]
    if kernels and not library.kernel_variable:
        raise SystemExit(f"bench/gemm-report: {name} has no kernel sets to choose ('{spec}')")
    if not kernels and library.kernel_variable:
        kernels = environ.get(library.kernel_variable) or None
    return library, None if kernels == "auto" else kernels or None


def configs(args, environ):
    shapes = [Shape(n, n, n) for n in args.sizes] + [Shape(m, MLP_OUT, MLP_IN) for m in args.mlp]
    result = []
    for spec in args.libs:
        library, kernels = library_kernels(spec, environ)
        wanted = args.paths or library.default_paths or library.paths
        paths = tuple(p for p in PATHS if p in wanted and p in library.paths)
        if not paths:
            continue
        kept = tuple(s for s in shapes if not library.max_size or s.flops <= 2.0 * library.max_size ** 3)
        threads = [t for t in args.threads if not library.max_threads or t <= library.max_threads]
        for t in threads:
            result.append(Config(library, kernels, t, tuple(args.precision), kept, paths,
                                 [s for s in shapes if s not in kept]))
    return result


def seconds_per_call(config, shape, precision):
    rate = config.library.gflops["sd".index(precision)] * config.threads * 1e9
    return shape.flops / rate


def estimate(args):
    """Seconds for the whole plan: JMH forks, warm-up and measurement; C calibration (about two batches) and batches."""
    return sum(config_estimate(args, config) for config in args.configs)


def config_estimate(args, config):
    """Seconds for one configuration: per precision and shape, C's calibration (about two batches), its batches and
    its check, per Java path a fork, its checks, warm-up and measurement (a call longer than an iteration
    stretches the iteration), and where the door is paired with C a fork per shape, then per precision the
    calibration, warm-up, the required batch pairs and, for the share of cells that scatter, the extra ones."""
    total = 0.0
    total += FORK_SECONDS * sum(1 for shape in config.shapes if config.pairs(shape))
    for precision in config.precisions:
        for shape in config.shapes:
            call = seconds_per_call(config, shape, precision)
            if "c" in config.paths:
                batch = max(args.c_min_time * 1.5, call)
                total += 2 * batch + args.c_batches * batch + call
            if config.pairs(shape):
                batch = max(args.paired_min_time * 1.5, call)
                total += 2 * batch + max(args.paired_warmup, 2 * batch) + 2 * args.paired_batches * batch
                total += EXTENDED_SHARE * (args.paired_max_seconds + 4 * batch)  # the cap, then a last two pairs
            total += len(config.java_paths) * (FORK_SECONDS + 2 * call
                                               + args.warmup_iterations * max(args.warmup_time, call)
                                               + args.iterations * max(args.time, call))
    return total
