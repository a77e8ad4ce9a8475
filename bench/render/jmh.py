"""JMH's JSON results (`bench/run ... -rf json -rff FILE`) for the renderers, and the number formats they print.

A result is one entry of JMH's list: benchmark (dev.gatun.bench.Class.method), params, mode, threads, forks, the
warm-up and measurement settings, jvmArgs, primaryMetric {score, scoreError, scoreUnit, scorePercentiles} and
secondaryMetrics {name: {the same}}. Results.figure() finds one by "Class.method" and params and records every
look-up that found nothing, so a section prints "—" and lists what was missing under its table instead of failing.

Two facts that are not JMH params are matched like them: blas_threads, the forked JVM's -Dgatun.threads=N, and
jmh_threads, JMH's -t. Param values compare as strings (JMH writes them so).
"""
import datetime
import json
import math
import os
import re

MISSING = "—"
THREADS_FLAG = re.compile(r"^-Dgatun\.threads=(\d+)$")
# Files written before bench/report named their OpenBLAS thread count only in the file name (trainstep-2t.json).
THREADS_IN_NAME = re.compile(r"-(\d+)t\.json$")
# To one base per kind (seconds per op, ops per second), so a section asks for the unit it prints.
TIME_UNITS = {"ns/op": 1e-9, "us/op": 1e-6, "ms/op": 1e-3, "s/op": 1.0}
RATE_UNITS = {"ops/ns": 1e9, "ops/us": 1e6, "ops/ms": 1e3, "ops/s": 1.0, "ops/min": 1 / 60}
DERIVED = {"blas_threads": "OpenBLAS threads", "jmh_threads": "JMH threads"}


def _finite(value):
    # JMH writes the error of a single iteration as the string "NaN"
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def _unit_factor(have, want):
    if have == want:
        return 1.0
    for table in (TIME_UNITS, RATE_UNITS):
        if have in table and want in table:
            return table[have] / table[want]
    return None


class Figure:
    """One metric of one result: score, 99.9% error half-width (None when JMH had too few iterations),
    unit, percentiles (keys as JMH writes them: "50.0", "99.9") and every measurement iteration's value, of every
    fork (JMH's rawData; empty when the file has none)."""

    def __init__(self, score, error, unit, percentiles, iterations=()):
        self.score, self.error, self.unit, self.percentiles = score, error, unit, percentiles
        self.iterations = [v for v in iterations if v is not None]

    @classmethod
    def of(cls, metric):
        iterations = [_finite(v) for fork in (metric.get("rawData") or []) for v in fork]
        return cls(_finite(metric.get("score")), _finite(metric.get("scoreError")), metric.get("scoreUnit", ""),
                   {k: _finite(v) for k, v in (metric.get("scorePercentiles") or {}).items()}, iterations)

    def scaled(self, factor, unit=None):
        def times(v):
            return None if v is None else v * factor
        return Figure(times(self.score), times(self.error), unit or self.unit,
                      {k: times(v) for k, v in self.percentiles.items()}, [v * factor for v in self.iterations])

    def worst(self):
        """The largest iteration's value, or None without rawData: a mean hides one iteration far off the rest."""
        return max(self.iterations) if self.iterations else None

    def percentile(self, p):
        return self.percentiles.get(p)


def value(x):
    """A Figure's score, or the number itself; None stays None."""
    return x.score if isinstance(x, Figure) else x


def ratio(a, b):
    a, b = value(a), value(b)
    return a / b if a is not None and b else None


def difference(a, b):
    a, b = value(a), value(b)
    return a - b if a is not None and b is not None else None


class Results:
    """The results of some JMH JSON files, searchable by benchmark and params."""

    def __init__(self, paths):
        self.paths = list(paths)
        self.entries = []
        self.documents = []  # every file's parsed JSON, for sections that also read non-JMH JSON
        self.missing = []  # every look-up that found nothing, for the summary line
        self._unlisted = []  # those not yet listed under a table
        for path in self.paths:
            try:
                with open(path) as f:
                    document = json.load(f)
            except (OSError, ValueError) as e:
                self.note(f"`{os.path.basename(path)}`: not readable ({e.__class__.__name__}: {e})")
                continue
            self.documents.append(document)
            for entry in document if isinstance(document, list) else []:
                if isinstance(entry, dict) and "benchmark" in entry:
                    self.entries.append(dict(entry, _file=path, _blas_threads=_blas_threads(entry, path)))

    def note(self, what):
        """Records a missing figure; it is listed once, under the first table that needed it."""
        if what not in self.missing:
            self.missing.append(what)
            self._unlisted.append(what)

    def take_unlisted(self):
        """What went missing since the last call, for the list under a table."""
        unlisted, self._unlisted = self._unlisted, []
        return unlisted

    def _matching(self, benchmark, where):
        return [e for e in self.entries if e["benchmark"].endswith("." + benchmark)
                and all(_fact(e, key) == str(expected) for key, expected in where.items())]

    def figure(self, benchmark, metric=None, unit=None, **where):
        """The primary metric (or the named secondary one) of the first result of benchmark ("Class.method")
        with these params, converted to unit if given; None, recorded as missing, if there is none."""
        found = self._matching(benchmark, where)
        if not found:
            self.note(describe(benchmark, where))
            return None
        entry = found[0]
        raw = entry.get("primaryMetric") if metric is None else (entry.get("secondaryMetrics") or {}).get(metric)
        if not raw:
            name = metric or "primaryMetric"
            hint = " (run with `-prof gc`?)" if name.startswith("gc.") else ""
            self.note(f"{describe(benchmark, where)}: no `{name}` metric{hint}")
            return None
        figure = Figure.of(raw)
        if unit is None:
            return figure
        factor = _unit_factor(figure.unit, unit)
        if factor is None:
            self.note(f"{describe(benchmark, where)}: reported in {figure.unit}, expected {unit}")
            return None
        return figure.scaled(factor, unit)

    def gbps(self, benchmark, counter, **where):
        """A bytes counter (@AuxCounters, which JMH reports per second as ops/s) in GB/s; None if missing."""
        figure = self.figure(benchmark, counter, "ops/s", **where)
        return figure.scaled(1e-9, "GB/s") if figure else None

    def methods(self, benchmark_class):
        """The method names of benchmark_class found, in file order."""
        names = []
        for e in self.entries:
            cls, _, method = e["benchmark"].rpartition(".")
            if cls.endswith("." + benchmark_class) and method not in names:
                names.append(method)
        return names

    def axis(self, key, expected, benchmark_class):
        """The values of key (a param or a derived fact) among benchmark_class's results: the expected ones
        found, in their order, then any others. Expected values not found are noted as missing and left out (a
        quick run measures fewer); when none is found at all, all the expected ones, so their rows show "—"."""
        found = []
        for e in self.entries:
            if e["benchmark"].rpartition(".")[0].endswith("." + benchmark_class):
                v = _fact(e, key)
                if v is not None and v not in found:
                    found.append(v)
        expected = [str(v) for v in expected]
        if not found:
            return expected
        absent = [v for v in expected if v not in found]
        if absent:
            self.note(f"{benchmark_class}: no results for {DERIVED.get(key, key)} {', '.join(absent)} "
                      "(those rows are left out)")
        others = sorted((v for v in found if v not in expected), key=_natural)
        return [v for v in expected if v in found] + others

    def settings(self):
        """[(JMH settings as a phrase, [files])], one item per distinct setting among the results."""
        groups = {}
        for e in self.entries:
            forks = e.get("forks")
            text = (f"{forks} fork{'s' * (forks != 1)}, {e.get('warmupIterations')} warm-up × "
                    f"{e.get('warmupTime')} + {e.get('measurementIterations')} measurement × "
                    f"{e.get('measurementTime')} iterations")
            files = groups.setdefault(text, [])
            name = os.path.basename(e["_file"])
            if name not in files:
                files.append(name)
        return list(groups.items())

    def files(self):
        """[(path, modification time as 'YYYY-MM-DD HH:MM UTC' or None)] of every file asked for."""
        out = []
        for path in self.paths:
            try:
                stamp = datetime.datetime.fromtimestamp(os.path.getmtime(path), datetime.timezone.utc)
                out.append((path, stamp.strftime("%Y-%m-%d %H:%M UTC")))
            except OSError:
                out.append((path, None))
        return out


def _blas_threads(entry, path):
    for arg in entry.get("jvmArgs") or []:
        m = THREADS_FLAG.match(arg)
        if m:
            return m.group(1)
    m = THREADS_IN_NAME.search(os.path.basename(path))
    return m.group(1) if m else None


def _fact(entry, key):
    if key == "blas_threads":
        return entry["_blas_threads"]
    if key == "jmh_threads":
        return None if entry.get("threads") is None else str(entry["threads"])
    v = (entry.get("params") or {}).get(key)
    return None if v is None else str(v)


def _natural(v):
    return (0, int(v), "") if v.isdigit() else (1, 0, v)


def describe(benchmark, where):
    if not where:
        return f"`{benchmark}`"
    return f"`{benchmark}` ({', '.join(f'{DERIVED.get(k, k)}={v}' for k, v in where.items())})"


# ------------------------------------------------------------------ number formats (as bench/compare's report)

def significant(x, digits=3):
    """x to `digits` significant figures without dropping integer digits, with thousands separators:
    0.0324, 5.41, 53.2, 669, 13,233. "—" for None."""
    x = value(x)
    if x is None:
        return MISSING
    if x == 0:
        return "0"
    leading = int(math.floor(math.log10(abs(x)))) + 1  # digits before the point: 0 or fewer below 1
    return f"{x:,.{max(0, digits - leading)}f}"


def number(x, decimals=0):
    x = value(x)
    return MISSING if x is None else f"{x:,.{decimals}f}"


def with_error(figure, digits=3):
    """'53.2 ± 12.1': the error with as many decimals as the score; the score alone if JMH gave no error."""
    if figure is None or figure.score is None:
        return MISSING
    text = significant(figure.score, digits)
    if figure.error is None:
        return text
    decimals = len(text.rpartition(".")[2]) if "." in text else 0
    return f"{text} ± {figure.error:,.{decimals}f}"


def mark(x, target, at_most=False):
    """' ✓' when x meets the target (x ≥ target, or x ≤ target with at_most), ' ✗' when not, '' without data."""
    x = value(x)
    if x is None or target is None:
        return ""
    return " ✓" if (x <= target if at_most else x >= target) else " ✗"


def percent(r, target=None, at_most=False):
    """'103%', '12%', '2.2%' (a decimal below 10%, where shares of an epoch are judged against 5%)."""
    if r is None:
        return MISSING
    return f"{r * 100:.{1 if abs(r) < 0.1 else 0}f}%{mark(r, target, at_most)}"


def times(r):
    return MISSING if r is None else f"{significant(r)}×"
