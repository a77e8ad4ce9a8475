"""Runs a bench/gemm-report plan (bench/gemm/plan.py): per configuration and shape, the C program once per precision,
JMH's GemmBench for all its Java paths, and where Gatun/C is judged GemmPaired (the door and a C loop taking turns in
one JVM), each process with the configuration's environment; keeps every raw result and a manifest in OUT/gemm/,
then renders OUT/gemm.md and its plots (bench/render/gemm.py).

Started by bench/gemm-report, which builds both sides first and passes, in the environment, GATUN_GEMM_C_BINARY
(libgemm_loop.so lies beside it), GATUN_BENCH_CLASSPATH, GATUN_JVM_FLAGS and JAVA_HOME. A configuration that fails is recorded with its reason; the
others still run, and the exit status is then 1.
"""
import datetime
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "bench", "render"))
import plan  # noqa: E402

LOADED = re.compile(r"gemm-bench: loaded (\w+) (.*)$", re.MULTILINE)
BYTEDECO_FILES = ("libopenblas.so.0", "libgfortran.so.5", "libquadmath.so.0", "libgcc_s.so.1")


def utc():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def log(message):
    print(f"gemm-report: {message}", file=sys.stderr, flush=True)


def bytedeco_library(classpath):
    """bytedeco's libopenblas, extracted once from its jar on the class path into bench/results/tmp (never shipped)."""
    jar_name = f"openblas-{plan.BYTEDECO_VERSION}-linux-x86_64.jar"
    jar = next((p for p in classpath.split(":") if os.path.basename(p) == jar_name), None)
    if jar is None:
        raise RuntimeError(f"{jar_name} is not on the test class path: the pom's bench dependencies did not resolve")
    target = os.path.join(ROOT, "bench", "results", "tmp", f"bytedeco-openblas-{plan.BYTEDECO_VERSION}")
    library = os.path.join(target, "libopenblas.so.0")
    if not os.path.exists(library):
        os.makedirs(target, exist_ok=True)
        with zipfile.ZipFile(jar) as z:
            for name in BYTEDECO_FILES:  # libopenblas finds the others beside it (its RUNPATH is $ORIGIN)
                with z.open(f"org/bytedeco/openblas/linux-x86_64/{name}") as src, \
                        open(os.path.join(target, name), "wb") as dst:
                    dst.write(src.read())
        log(f"extracted bytedeco's OpenBLAS from {jar} into {target}")
    return library


def package_of(path):
    """The Debian package and version that installed the library file, or None."""
    try:
        real = os.path.realpath(path)
        owner = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True, check=True).stdout
        package = owner.split(":")[0] if ":" in owner else owner.split()[0]
        version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True, text=True,
                                 check=True).stdout
        return f"{package} {version}"
    except (OSError, subprocess.CalledProcessError, IndexError):
        return None


def run_c(config, library, precision, shapes, args, env, commands):
    """The C program on the given shapes; its result lines."""
    command = [os.environ["GATUN_GEMM_C_BINARY"], "--library", library, "--precision", precision,
               "--threads", str(config.threads), "--min-time", str(args.c_min_time), "--batches", str(args.c_batches)]
    for shape in shapes:
        command += ["--shape", shape.argument]
    commands.append(environment_prefix(config) + shown(command))
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)} exited with {done.returncode}: {done.stderr.strip()}")
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    for line in lines:
        if line["threads"] not in (config.threads, -1):
            raise RuntimeError(f"gemm_bench ran {line['threads']} threads of {library}, asked for {config.threads}")
    return lines


def run_jmh(config, library, shapes, tag, args, raw, env, commands):
    """JMH's GemmBench, every Java path of the configuration, on the given shapes; its results and the libraries the
    peers reported loading. The log stays in raw as CONFIG-jmh-TAG.log."""
    jvm = [f"-Dgatun.threads={config.threads}"]
    if library:
        jvm.append(f"-D{'gatun.blas.library'}={library}")
        if config.library.name != "openblas":  # the system OpenBLAS: JNIBLAS's own default, libblas.so.3, as Spark
            jvm.append(f"-Ddev.ludovic.netlib.blas.nativeLibPath={library}")
    result_path = os.path.join(raw, f"{config.id}-jmh-{tag}.json")
    command = [os.path.join(os.environ["JAVA_HOME"], "bin", "java"), *os.environ["GATUN_JVM_FLAGS"].split(),
               "-cp", os.environ["GATUN_BENCH_CLASSPATH"], "org.openjdk.jmh.Main",
               rf"dev\.gatun\.bench\.GemmBench\.({'|'.join(config.java_paths)})$",
               "-p", "shape=" + ",".join(s.argument for s in shapes),
               "-p", "precision=" + ",".join(plan.PRECISIONS[p] for p in config.precisions),
               "-f", "1", "-wi", str(args.warmup_iterations), "-w", f"{round(args.warmup_time * 1000)}ms",
               "-i", str(args.iterations), "-r", f"{round(args.time * 1000)}ms",
               "-jvmArgsPrepend", " ".join(jvm), "-rf", "json", "-rff", result_path]
    commands.append(environment_prefix(config) + shown(command))
    log_path = os.path.join(raw, f"{config.id}-jmh-{tag}.log")
    with open(log_path, "w") as out:
        status = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    loaded = {}
    with open(log_path) as f:
        text = f.read()
    for match in LOADED.finditer(text):
        loaded[match.group(1)] = match.group(2).split()
    failures = text.count("<failure>")
    if status != 0 or failures:
        raise RuntimeError(f"JMH for {config.id} exited with {status} ({failures} benchmark failures): see {log_path}")
    with open(result_path) as f:
        results = json.load(f)
    os.remove(result_path)  # merged into CONFIG-jmh.json by the caller
    return results, loaded


def run_paired(config, library, shape, args, env, commands):
    """GemmPaired on one shape, every precision of the configuration: the door and C's loop in turns, in one JVM.
    Its result lines."""
    loop = os.path.join(os.path.dirname(os.environ["GATUN_GEMM_C_BINARY"]), "libgemm_loop.so")
    command = [os.path.join(os.environ["JAVA_HOME"], "bin", "java"), *os.environ["GATUN_JVM_FLAGS"].split(),
               f"-Dgatun.threads={config.threads}", f"-Dgatun.blas.library={library}",
               "-cp", os.environ["GATUN_BENCH_CLASSPATH"], "dev.gatun.bench.GemmPaired", "--loop", loop,
               "--shape", shape.argument, "--precision", ",".join(plan.PRECISIONS[p] for p in config.precisions),
               "--batches", str(args.paired_batches), "--min-time", str(args.paired_min_time),
               "--warmup", str(args.paired_warmup), "--max-seconds", str(args.paired_max_seconds),
               "--target-error", str(args.paired_target_error)]
    commands.append(environment_prefix(config) + shown(command))
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"GemmPaired on {shape.argument} exited with {done.returncode}: {done.stderr.strip()[-2000:]}")
    try:
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        for line in lines:
            if line["threads"] not in (config.threads, 0):
                raise RuntimeError(f"GemmPaired ran {line['threads']} threads of {library}, asked for "
                                   f"{config.threads}")
            if len(line["c_ns"]) != len(line["door_ns"]) or len(line["c_ns"]) < 2:
                raise RuntimeError(f"GemmPaired on {shape.argument}: {len(line['c_ns'])} C batches against "
                                   f"{len(line['door_ns'])} door batches")
    except (ValueError, KeyError, TypeError) as e:
        raise RuntimeError(f"GemmPaired on {shape.argument} printed a line this report cannot read ({e}): "
                           f"{done.stdout.strip()[-500:]}")
    if len(lines) != len(config.precisions):
        raise RuntimeError(f"GemmPaired on {shape.argument} printed {len(lines)} results for "
                           f"{len(config.precisions)} precisions: {done.stdout.strip()[-500:]}")
    return lines


def write_json(raw, name, value):
    with open(os.path.join(raw, name), "w") as f:
        json.dump(value, f, indent=1)
    return name


def environment_prefix(config):
    """How the section quotes a process's environment: `env -u VAR` for what it unsets, then VAR=value."""
    unset = "".join(f"env -u {name} " for name in config.unset())
    return unset + " ".join(f"{k}={shlex.quote(v)}" for k, v in config.environment().items()) + " "


def shown(command):
    """A command as the section quotes it: paths inside the repository relative to its root, the class path named."""
    classpath = os.environ.get("GATUN_BENCH_CLASSPATH")
    return shlex.join("$(bench classpath)" if c == classpath else c.replace(ROOT + os.sep, "") for c in command)


def run_config(config, args, raw):
    env = dict(os.environ)
    env.update(config.environment())
    for name in config.unset():  # the library picks its own kernels
        env.pop(name, None)
    entry = {"id": config.id, "library": config.library.name, "title": config.library.title,
             "kernel_variable": config.library.kernel_variable, "kernels": config.kernels, "threads": config.threads,
             "precisions": list(config.precisions), "paths": list(config.paths),
             "shapes": [s.argument for s in config.shapes], "skipped_shapes": [s.argument for s in config.skipped],
             "c": {}, "jmh": None, "paired": None, "loaded": {}, "commands": [], "errors": []}
    try:
        library = None
        if config.library.name == "openblas-bytedeco":
            library = bytedeco_library(os.environ["GATUN_BENCH_CLASSPATH"])
        elif config.library.path:
            library = config.library.path
        entry["path"] = library and os.path.realpath(library)
        entry["package"] = (f"extracted from org.bytedeco:openblas:{plan.BYTEDECO_VERSION} (linux-x86_64 jar)"
                            if config.library.name == "openblas-bytedeco" else library and package_of(library))
        # Shape by shape, C then the JVM: measured minutes apart, a whole configuration's C figures and its Java
        # figures met different machine states (one run's Gatun/C moved by ±10%); side by side they meet the same.
        c_lines = {precision: [] for precision in config.precisions} if "c" in config.paths else {}
        jmh_results, paired_lines = [], []
        for shape in config.shapes:
            for precision in list(c_lines):
                try:
                    c_lines[precision] += run_c(config, library, precision, [shape], args, env, entry["commands"])
                except RuntimeError as e:
                    entry["errors"].append(str(e))
                    del c_lines[precision]
            if config.java_paths:
                results, loaded = run_jmh(config, library, [shape], shape.argument, args, raw, env,
                                          entry["commands"])
                jmh_results += results
                entry["loaded"].update(loaded)
            if config.pairs(shape) and library:
                try:
                    paired_lines += run_paired(config, library, shape, args, env, entry["commands"])
                except RuntimeError as e:
                    entry["errors"].append(str(e))
        for precision, lines in c_lines.items():
            entry["c"][precision] = write_json(raw, f"{config.id}-c-{precision}.json", lines)
        if config.java_paths:
            entry["jmh"] = write_json(raw, f"{config.id}-jmh.json", jmh_results)
        if paired_lines:
            entry["paired"] = write_json(raw, f"{config.id}-paired.json", paired_lines)
    except (RuntimeError, OSError) as e:
        entry["errors"].append(str(e))
    return entry


def main(argv):
    args = plan.parse(argv)
    out = args.out or os.path.join(ROOT, "bench", "results", "tmp", "gemm-quick") if args.quick else \
        (args.out or os.path.join(ROOT, "bench", "results"))
    raw = os.path.join(out, "gemm")
    log(f"{len(args.configs)} configurations, about {round(plan.estimate(args) / 60, 1)} min by the plan's estimate "
        f"(builds not included); raw results in {raw}/")
    for config in args.configs:
        log(f"  {config.id}: {','.join(config.paths)} · {','.join(config.precisions)} · "
            f"{len(config.shapes)} shapes, about {round(plan.config_estimate(args, config))} s")
    if args.dry_run:
        return 0
    os.makedirs(raw, exist_ok=True)
    for stale in os.listdir(raw):  # a manifest names only this run's files
        os.remove(os.path.join(raw, stale))
    started, start = utc(), time.monotonic()
    entries = []
    for config in args.configs:
        log(f"{config.id} ...")
        entries.append(run_config(config, args, raw))
        for error in entries[-1]["errors"]:
            log(f"{config.id} FAILED: {error}")
    manifest = {
        "command": "bench/gemm-report" + (" " + shlex.join(argv) if argv else ""),
        "started": started, "finished": utc(), "seconds": round(time.monotonic() - start),
        "environment": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "BLIS_ARCH_TYPE")},
        "machine": machine(), "quick": args.quick,
        "settings": {"warmup_iterations": args.warmup_iterations, "warmup_time": args.warmup_time,
                     "iterations": args.iterations, "time": args.time, "c_batches": args.c_batches,
                     "c_min_time": args.c_min_time, "paired_batches": args.paired_batches,
                     "paired_min_time": args.paired_min_time, "paired_warmup": args.paired_warmup,
                     "paired_target_error": args.paired_target_error,
                     "paired_max_seconds": args.paired_max_seconds},
        "configs": entries}
    with open(os.path.join(raw, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    import gemm  # bench/render/gemm.py
    text, plots = gemm.render(os.path.join(raw, "manifest.json"), plot_dir=raw)
    with open(os.path.join(out, "gemm.md"), "w") as f:
        f.write(text)
    log(f"wrote {os.path.join(out, 'gemm.md')} and {len(plots)} plots in {time.monotonic() - start:.0f} s")
    return 1 if any(e["errors"] for e in entries) else 0


def machine():
    facts = {"cpu": "unknown", "flags": "", "cpus": os.cpu_count(), "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and facts["cpu"] == "unknown":
                    facts["cpu"] = value.strip()
                if key.strip() == "flags" and not facts["flags"]:
                    flags = value.split()
                    facts["flags"] = " ".join(f for f in ("avx2", "fma", "avx512f", "avx512_bf16") if f in flags)
    except OSError:
        pass
    for tool, flag in (("java", "-version"), ("gcc", "--version")):
        exe = os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "java") if tool == "java" else tool
        try:
            done = subprocess.run([exe, flag], capture_output=True, text=True)
            facts[tool] = (done.stdout or done.stderr).splitlines()[0]
        except (OSError, IndexError):
            facts[tool] = "unknown"
    return facts


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
