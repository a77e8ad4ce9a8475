"""Turns the raw runs into figures: per (mode, engine, batch, threads) the median and min-max over the runs
that succeeded, and the ratios the acceptance targets are stated in."""
import statistics
from collections import defaultdict

PEERS = ("torch", "numpy")
METRICS = {"train": ("samples_per_second", "sgemm_gflops", "first_epoch_seconds"), "accuracy": ("test_accuracy", "seconds"),
           "infer": ("p50_us", "p99_us", "throughput_per_second",
                     "one_stream_samples_per_second", "side_by_side_samples_per_second")}  # the last two: the bound's


def _value(run, name):
    if name == "peak_rss_mb":
        return run.get("peak_rss_mb")
    value = run.get("result", {}).get(name)
    if value is None:
        return None
    if name == "test_accuracy" and value <= 1.0:  # a fraction; the tables speak in percent
        value *= 100.0
    return float(value)


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def key(mode, engine, batch, threads):
    return f"{mode}/{engine}/b{batch}/t{threads}"


def summarize(runs):
    groups = defaultdict(list)
    for run in runs:
        groups[key(run["mode"], run["engine"], run["batch"], run["threads"])].append(run)
    summary = {}
    for name, group in groups.items():
        ok = [r for r in group if r.get("ok")]
        mode = group[0]["mode"]
        metrics = {m: stats([_value(r, m) for r in ok]) for m in METRICS[mode] + ("peak_rss_mb",)}
        summary[name] = {"runs": len(group), "ok": len(ok), "metrics": metrics,
                         "errors": [r["error"] for r in group if not r.get("ok")]}
    return summary


def median(summary, mode, engine, batch, threads, metric):
    entry = summary.get(key(mode, engine, batch, threads))
    figure = entry and entry["metrics"].get(metric)
    return figure["median"] if figure else None


def best_peer(summary, mode, batch, threads, metric, lower_is_better=False):
    values = [v for v in (median(summary, mode, p, batch, threads, metric) for p in PEERS) if v is not None]
    if not values:
        return None
    return min(values) if lower_is_better else max(values)


def ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def mean_difference(runs, engine, other):
    """Test accuracy, engine − other: the difference of the means over their successful accuracy runs (percent),
    and its standard error; None unless both have at least two runs."""
    def accuracies(name):
        return [v for v in (_value(r, "test_accuracy") for r in runs
                            if r["mode"] == "accuracy" and r["engine"] == name and r.get("ok")) if v is not None]

    a, b = accuracies(engine), accuracies(other)
    if len(a) < 2 or len(b) < 2:
        return None
    error = (statistics.variance(a) / len(a) + statistics.variance(b) / len(b)) ** 0.5
    return statistics.mean(a) - statistics.mean(b), error


def paired_ratios(runs, mode, engine, references, batch, threads, metric, lower_is_better=False):
    """Run by run: engine's figure over the best of the references' figures in the same round (the same run index:
    the engines take turns, one run each, so a round's runs follow one another). Median [min–max] of one ratio per round in which
    the engine and at least one reference succeeded, or None. Steadier than a ratio of medians when the machine's
    speed moves between rounds: each median may come from a different round."""
    rounds = defaultdict(dict)
    for run in runs:
        if run["mode"] == mode and run["batch"] == batch and run["threads"] == threads and run.get("ok"):
            value = _value(run, metric)
            if value is not None:
                rounds[run["run"]][run["engine"]] = value
    ratios = []
    for figures in rounds.values():
        found = [figures[e] for e in references if e in figures]
        if engine in figures and found:
            best = min(found) if lower_is_better else max(found)
            if best:
                ratios.append(figures[engine] / best)
    return stats(ratios)
