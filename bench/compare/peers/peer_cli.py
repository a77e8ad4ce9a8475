"""What every peer shares: its command line, the three measuring modes, and the one JSON line it ends with.

A peer module defines a network class with
    __init__(threads, seed)
    train_epoch(images_u8, labels, batch) -> mean training loss of the epoch (one shuffled pass)
    predict_classes(images_u8) -> int array of predicted classes
    prepare(rows_f32) -> the engine's own input for one inference call, from raw pixel values 0-255 in float32
                         (built before timing starts)
    infer(prepared) -> class probabilities from those raw values: scaled to [0, 1], the network, softmax (the
                       work a service does per request, and what Gatun's and ONNX Runtime's calls do)
    inference_context() -> a context manager held around the timed inference loop
    versions() -> dict of library versions
and calls main(NetworkClass, engine_name). Modes:
    train     --batch B --threads T [--epochs 3]: every epoch timed; the harness's figure is the median of
              the last few, the ones before them are the warm-up (it gives every engine, Gatun too, the same epochs)
    accuracy  --batch 128 --epochs 5: test accuracy after training
    infer     --batch B --threads T --seconds S: per-call latency percentiles and throughput after warm-up
"""
import argparse
import json
import os
import platform
import resource
import sys
import time

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def pin_threads():
    """Makes the BLAS/OpenMP thread variables match --threads before any numerical library starts.

    OpenBLAS reads OPENBLAS_NUM_THREADS once, when it is loaded, so a mismatch can only be fixed by starting
    the interpreter again with the right environment (the driver already sets it; this guards hand-made runs).
    """
    threads = "1"
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            threads = argv[i + 1]
        elif arg.startswith("--threads="):
            threads = arg.split("=", 1)[1]
    if all(os.environ.get(name) == threads for name in THREAD_VARIABLES):
        return
    env = dict(os.environ)
    env.update({name: threads for name in THREAD_VARIABLES})
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def _arguments(engine):
    p = argparse.ArgumentParser(prog=engine, description=f"{engine}: 784-256-128-10 MLP on Fashion-MNIST")
    p.add_argument("--mode", choices=("train", "accuracy", "infer"), required=True)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--epochs", type=int, help="train: default 3 (the last is timed); accuracy: default 5")
    p.add_argument("--limit", type=int, help="use only the first N training and test samples (smoke tests)")
    p.add_argument("--seconds", type=float, default=5.0, help="infer: timed seconds")
    p.add_argument("--warmup-seconds", type=float, default=1.0, help="infer: untimed seconds before")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    for name in ("batch", "threads", "epochs", "limit"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name} must be >= 1, got {value}")
    return args


def _blas_libraries():
    """The BLAS/OpenMP shared objects this process really mapped: the proof of which library did the work."""
    found = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path)
                if any(key in name for key in ("blas", "lapack", "gomp", "dnnl", "mkl")):
                    found.add(os.path.realpath(path))
    except OSError:
        pass
    return sorted(found)


def _percentile_us(sorted_ns, q):
    index = min(len(sorted_ns) - 1, max(0, int(round(q * (len(sorted_ns) - 1)))))
    return sorted_ns[index] / 1000.0


def _train(net, args, images, labels):
    epochs = args.epochs or 3
    history = []
    for _ in range(epochs):
        start = time.perf_counter()
        loss = net.train_epoch(images, labels, args.batch)
        seconds = time.perf_counter() - start
        history.append({"seconds": seconds, "samples_per_second": len(labels) / seconds, "train_loss": loss})
    last = history[-1]
    return {"samples_per_second": last["samples_per_second"], "epoch_seconds": last["seconds"],
            "train_loss": last["train_loss"], "samples": len(labels), "epochs": epochs, "history": history}


def _accuracy(net, args, images, labels, test_images, test_labels):
    epochs = args.epochs or 5
    start = time.perf_counter()
    for _ in range(epochs):
        loss = net.train_epoch(images, labels, args.batch)
    seconds = time.perf_counter() - start
    correct = int((net.predict_classes(test_images) == test_labels).sum())
    return {"test_accuracy": correct / len(test_labels), "train_loss": loss, "epochs": epochs,
            "seconds": seconds, "samples": len(labels), "test_samples": len(test_labels)}


def _infer(net, args, test_images):
    import numpy as np
    rows = test_images.astype(np.float32)  # raw values, as a request brings them: infer scales them
    while len(rows) < args.batch:
        rows = np.concatenate([rows, rows])
    starts = range(0, len(rows) - args.batch + 1, args.batch)
    inputs = [net.prepare(rows[s:s + args.batch]) for s in list(starts)[:64]]
    clock = time.perf_counter_ns
    with net.inference_context():
        end = clock() + int(args.warmup_seconds * 1e9)
        i = 0
        while clock() < end:
            net.infer(inputs[i % len(inputs)])
            i += 1
        latencies = []
        begin = clock()
        end = begin + int(args.seconds * 1e9)
        now = begin
        while now < end:
            before = clock()
            net.infer(inputs[i % len(inputs)])
            now = clock()
            latencies.append(now - before)
            i += 1
        elapsed = now - begin
    latencies.sort()
    return {"p50_us": _percentile_us(latencies, 0.50), "p90_us": _percentile_us(latencies, 0.90),
            "p99_us": _percentile_us(latencies, 0.99), "p999_us": _percentile_us(latencies, 0.999),
            "mean_us": sum(latencies) / len(latencies) / 1000.0, "calls": len(latencies),
            "throughput_per_second": len(latencies) * args.batch / (elapsed / 1e9)}


def main(network_class, engine):
    args = _arguments(engine)
    import fmnist
    net = network_class(args.threads, args.seed)
    test_images, test_labels = fmnist.load(args.data, "test", args.limit)
    result = {"engine": engine, "mode": args.mode, "batch": args.batch, "threads": args.threads,
              "seed": args.seed, "limit": args.limit}
    if args.mode == "infer":
        result.update(_infer(net, args, test_images))
    else:
        images, labels = fmnist.load(args.data, "train", args.limit)
        if args.mode == "train":
            result.update(_train(net, args, images, labels))
        else:
            result.update(_accuracy(net, args, images, labels, test_images, test_labels))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    result["versions"] = dict(net.versions(), python=platform.python_version())
    result["native_libraries"] = _blas_libraries()
    result["thread_env"] = {name: os.environ.get(name) for name in THREAD_VARIABLES + ("OMP_WAIT_POLICY",)}
    print(json.dumps(result), flush=True)
