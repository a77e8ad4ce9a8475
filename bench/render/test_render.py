"""Tests of the renderers: on the JSON of earlier runs kept in bench/render/fixtures (copies, so a new report
overwriting bench/results changes nothing here), and on tiny results made here, where the ratios are known.
Run: /usr/bin/python3 -m unittest discover bench/render
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import jmh  # noqa: E402
import render  # noqa: E402

RESULTS = os.path.join(HERE, "fixtures")  # copies of full bench/results files (kernels-f32.json is KernelBench's)
FIXTURES = RESULTS  # and of short runs (loop-2t.json, predictor.json)


def result(benchmark, params=None, score=1.0, unit="ops/s", error=None, secondary=None, percentiles=None,
           threads=1, jvm_args=()):
    """One JMH result as `-rf json` writes it; secondary: {name: (score, unit)}."""
    def metric(value, unit, error=None, percentiles=None):
        return {"score": value, "scoreError": "NaN" if error is None else error, "scoreUnit": unit,
                "scorePercentiles": percentiles or {}}
    return {"benchmark": "dev.gatun.bench." + benchmark, "mode": "thrpt", "threads": threads, "forks": 1,
            "jvmArgs": list(jvm_args), "warmupIterations": 1, "warmupTime": "200 ms", "measurementIterations": 1,
            "measurementTime": "200 ms", "params": params or {},
            "primaryMetric": metric(score, unit, error, percentiles),
            "secondaryMetrics": {k: metric(v, u) for k, (v, u) in (secondary or {}).items()}}


def kernel(name, gbps, shape="1000x1000", impl="vector", calls=None):
    return result(f"KernelBench.{name}", {"shape": shape, "impl": impl}, calls or gbps * 1e9 / 8e6,
                  secondary={"bytes": (gbps * 1e9, "ops/s")})


class Rendering(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, results):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            json.dump(results, f)
        return path

    def render(self, section, *paths):
        text, missing = render.render(section, paths)
        return text, missing

    def rows(self, text, after):
        """The body rows of the first table after the line that contains `after`, as lists of cells."""
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if after in line)
        table = []
        for line in lines[start:]:  # the marker may be the table's own header
            if line.startswith("|"):
                table.append([c.strip() for c in line.strip("|").split("|")])
            elif table:
                break
        return table[2:]  # past the header and the alignment row

    def row(self, text, after, first):
        return next(r for r in self.rows(text, after) if r[0] == first)

    def skip_without(self, path):
        if not os.path.exists(path):
            self.skipTest(f"fixture {path} is missing")


class Formats(unittest.TestCase):
    def test_significant_figures_keep_integer_digits(self):
        self.assertEqual([jmh.significant(x) for x in (0.0324, 5.414, 53.21, 669.4, 13232.9)],
                         ["0.0324", "5.41", "53.2", "669", "13,233"])
        self.assertEqual(jmh.significant(None), "—")

    def test_percent_with_target(self):
        self.assertEqual(jmh.percent(0.8, 0.7), "80% ✓")
        self.assertEqual(jmh.percent(0.6, 0.7), "60% ✗")
        self.assertEqual(jmh.percent(0.022, 0.05, at_most=True), "2.2% ✓")
        self.assertEqual(jmh.percent(None, 0.7), "—")

    def test_error_has_the_scores_decimals_and_nan_means_none(self):
        self.assertEqual(jmh.with_error(jmh.Figure(53.21, 12.08, "GB/s", {})), "53.2 ± 12.1")
        self.assertEqual(jmh.with_error(jmh.Figure.of({"score": 9.5, "scoreError": "NaN"})), "9.50")


class Lookups(Rendering):
    def test_units_convert_and_threads_come_from_jvm_args_or_the_file_name(self):
        flagged = self.write("run.json", [result("TrainStepBench.step", {"batch": "32"}, 669000.0, "ns/op",
                                                 jvm_args=["-Dgatun.threads=1"])])
        named = self.write("trainstep-2t.json", [result("TrainStepBench.step", {"batch": "32"}, 463.0, "us/op")])
        results = jmh.Results([flagged, named])
        self.assertAlmostEqual(results.figure("TrainStepBench.step", None, "us/op", batch=32, blas_threads=1).score,
                               669.0)
        self.assertEqual(results.figure("TrainStepBench.step", None, "us/op", batch=32, blas_threads=2).score, 463.0)
        self.assertEqual(results.missing, [])

    def test_a_missing_file_or_benchmark_is_noted_once(self):
        results = jmh.Results([os.path.join(self.tmp.name, "absent.json")])
        self.assertIsNone(results.figure("KernelBench.copy", shape="1000x1000"))
        self.assertIsNone(results.figure("KernelBench.copy", shape="1000x1000"))
        self.assertEqual(len(results.missing), 2)  # the file, then the benchmark, each once
        self.assertIn("not readable", results.missing[0])

    def test_a_method_name_does_not_match_a_longer_one(self):
        path = self.write("k.json", [kernel("softmaxCrossEntropy", 5.0)])
        self.assertIsNone(jmh.Results([path]).figure("KernelBench.softmax", shape="1000x1000", impl="vector"))


class Kernels(Rendering):
    def test_old_run_has_every_kernel_copy_and_exp_only_first(self):
        text, missing = self.render("kernels", os.path.join(RESULTS, "kernels-f32.json"))
        rows = self.rows(text, "### 1000×1000")
        self.assertEqual([r[0] for r in rows[:2]], ["`copy`", "`expOnly`"])
        self.assertEqual(len(rows), 20)
        self.assertEqual(self.row(text, "### 1000×1000", "`expOnly`")[1:], ["—"] * 4)  # measured after this run
        self.assertEqual(self.row(text, "### 1000×1000", "`biasRelu`")[3], "103%")
        self.assertIn("no results for shape 100000x10", text)
        self.assertNotIn("### 100000×10", text)

    def test_ratios_and_targets(self):
        path = self.write("kernels.json", [
            kernel("copy", 100), kernel("biasRelu", 80), kernel("biasRelu", 2, impl="scalar"),
            kernel("softmaxCrossEntropy", 60, calls=500), kernel("expOnly", 20, calls=1000)])
        text, _ = self.render("kernels", path)
        self.assertEqual(self.row(text, "### 1000×1000", "`biasRelu`")[1:], ["80.0", "2.00", "80%", "40.0×"])
        self.assertEqual(self.row(text, "### Targets against copy", "`biasRelu` ≥ 70% of copy")[1], "80% ✓")
        self.assertEqual(self.row(text, "### Targets against copy", "`softmaxCrossEntropy` ≥ 70% of copy")[1], "60% ✗")
        self.assertEqual(self.row(text, "one exp per element", "`softmaxCrossEntropy`")[1], "50%")
        self.assertEqual(self.row(text, "one exp per element", "`expOnly` itself, vector / copy")[1], "20%")
        self.assertIn("`expOnly` alone runs below 70% of copy on 1000×1000", text)

    def test_missing_data_renders_a_dash_and_is_listed(self):
        text, missing = self.render("kernels", self.write("kernels.json", [kernel("copy", 100)]))
        self.assertEqual(self.row(text, "### 1000×1000", "`biasRelu`")[1:], ["—"] * 4)
        self.assertIn("- `KernelBench.biasRelu` (shape=1000x1000, impl=vector)", text.splitlines())
        self.assertIn("`KernelBench.biasRelu` (shape=1000x1000, impl=vector)", missing)


class Optimizer(Rendering):
    def test_old_run(self):
        text, missing = self.render("optimizer", os.path.join(RESULTS, "optimizer.json"))
        rows = self.rows(text, "elements per tensor")
        self.assertEqual([r[0] for r in rows], ["copy", "SGD", "momentum", "RMSprop", "Adam"])
        with open(os.path.join(RESULTS, "optimizer.json")) as f:
            raw = {r["benchmark"].rpartition(".")[2]: r["secondaryMetrics"]["bytes"]["score"] for r in json.load(f)}
        self.assertEqual(rows[-1][2], f"{raw['adam'] / raw['copy'] * 100:.0f}%")
        self.assertIn(f"Adam ≥ 70% of copy: {raw['adam'] / raw['copy'] * 100:.0f}% ✓", text)
        self.assertEqual(missing, [])


class TrainStep(Rendering):
    def test_old_runs_one_row_per_batch_and_thread_count(self):
        text, missing = self.render("trainstep", os.path.join(RESULTS, "trainstep-1t.json"),
                                    os.path.join(RESULTS, "trainstep-2t.json"))
        rows = self.rows(text, "sgemm share")
        self.assertEqual([(r[0], r[1]) for r in rows],
                         [(b, t) for t in ("1", "2") for b in ("32", "128", "1024")])
        self.assertEqual(missing, [])

    def test_share_and_samples_per_second(self):
        where = {"batch": "1024"}
        path = self.write("t.json", [
            result("TrainStepBench.step", where, 1000.0, "us/op", jvm_args=["-Dgatun.threads=1"],
                   secondary={"gc.alloc.rate.norm": (3.0, "B/op")}),
            result("TrainStepBench.sgemmOnly", where, 850.0, "us/op", jvm_args=["-Dgatun.threads=1"])])
        text, missing = self.render("trainstep", path)
        row = self.row(text, "sgemm share", "1024")
        self.assertEqual(row[4:7], ["85% ✓", "1,024,000", "3.0"])
        self.assertIn("at batch 1024: 85% ✓ with 1 thread", text)
        self.assertIn("`TrainStepBench.sgemmOnly` (batch=1024, OpenBLAS threads=1): no `gc.alloc.rate.norm` metric "
                      "(run with `-prof gc`?)", missing)


    def test_the_worst_iteration_shows_what_the_mean_hides(self):
        # Four iterations at 2 B/op and one at 2,265 (code that allocates ran in it): the mean, 455, read as JMH's
        # own allocation; the worst iteration says otherwise.
        step = result("TrainStepBench.step", {"batch": "32"}, 100.0, "us/op", jvm_args=["-Dgatun.threads=1"],
                      secondary={"gc.alloc.rate.norm": (455.0, "B/op")})
        step["secondaryMetrics"]["gc.alloc.rate.norm"]["rawData"] = [[2.0, 2.0, 2265.0, 2.0, 2.0]]
        path = self.write("worst.json", [step, result("TrainStepBench.sgemmOnly", {"batch": "32"}, 50.0, "us/op",
                                                      jvm_args=["-Dgatun.threads=1"])])
        text, _ = self.render("trainstep", path)
        row = self.row(text, "sgemm share", "32")
        self.assertEqual((row[6], row[8]), ("455", "2,265"))

class Batches(Rendering):
    def test_old_assembly_run(self):
        text, _ = self.render("batches", os.path.join(RESULTS, "batch-assembly.json"))
        rows = self.rows(text, "### Assembly alone")
        self.assertEqual([(r[0], r[1]) for r in rows],
                         [(b, o) for b in ("32", "128", "1024") for o in ("shuffled", "sequential")])
        self.assertEqual(rows[0][2], "68,057")

    def test_fixture_loop_run(self):
        loop = os.path.join(FIXTURES, "loop-2t.json")
        self.skip_without(loop)
        text, _ = self.render("batches", os.path.join(RESULTS, "batch-assembly.json"), loop)
        self.assertEqual([(r[0], r[1]) for r in self.rows(text, "### Assembly per training epoch")],
                         [("32", "2"), ("128", "2"), ("1024", "2")])

    def test_epoch_arithmetic(self):
        threads = ["-Dgatun.threads=2"]
        path = self.write("b.json", [
            result("BatchAssemblyBench.assemble", {"batch": "1000", "order": "shuffled"}, 10_000.0,
                   secondary={"floatBytes": (31.36e9, "ops/s")}),
            result("TrainingLoopBench.loopStep", {"batch": "1000"}, 10_000.0, "us/op", jvm_args=threads),
            result("TrainingLoopBench.fixedStep", {"batch": "1000"}, 9_000.0, "us/op", jvm_args=threads)])
        text, _ = self.render("batches", path)
        # 60 batches: alone 60 / 10,000 per s = 6 ms; epoch 60 × 10 ms = 0.6 s; in the loop 60 × 1 ms = 60 ms
        self.assertEqual(self.row(text, "### Assembly per training epoch", "1000"), ["1000", "2", "6.00", "0.600", "1.0% ✓", "60.0", "10% ✗"])
        self.assertEqual(self.row(text, "### Assembly alone", "1000")[3], "31.4")
        self.assertIn("in the loop, which is what a training run pays, missed at batch 1000 with 2 threads ✗", text)

    def test_a_difference_within_its_error_is_neither_met_nor_missed(self):
        threads = ["-Dgatun.threads=2"]
        path = self.write("noise.json", [
            result("BatchAssemblyBench.assemble", {"batch": "1000", "order": "shuffled"}, 10_000.0,
                   secondary={"floatBytes": (31.36e9, "ops/s")}),
            # loop − fixed = −100 µs ± 500 µs (300 and 400 in quadrature): noise, which was marked "−10% ✓"
            result("TrainingLoopBench.loopStep", {"batch": "1000"}, 8_900.0, "us/op", error=300.0, jvm_args=threads),
            result("TrainingLoopBench.fixedStep", {"batch": "1000"}, 9_000.0, "us/op", error=400.0, jvm_args=threads)])
        text, _ = self.render("batches", path)
        row = self.row(text, "### Assembly per training epoch", "1000")
        self.assertEqual(row[5:], ["-6.00 ± 30.0", "inconclusive"])
        self.assertIn("in the loop, which is what a training run pays, met in 0 of 1; inconclusive at batch 1000 with"
                      " 2 threads (not counted as met)", text)


class Predictor(Rendering):
    def test_targets(self):
        def latency(rw, p50, p99):
            return result("PredictorBench.latency", {"rowWeights": rw}, p50, "us/op",
                          percentiles={"50.0": p50, "90.0": p50, "99.0": p99, "99.9": p99})
        batch = [result("PredictorBench.batch", {"rowWeights": "FLOAT32"}, rows, threads=t,
                        jvm_args=["-Dgatun.threads=1"]) for t, rows in ((1, 150_000.0), (2, 300_000.0))]
        text, _ = self.render("predictor", self.write("p.json", [latency("FLOAT32", 9.0, 30.0),
                                                                 latency("BFLOAT16", 5.0, 12.0)] + batch))
        self.assertEqual(self.row(text, "row weights", "float32")[1:5] + self.row(text, "row weights", "float32")[7:],
                         ["9.00", "9.00", "30.0", "30.0", "150,000", "300,000"])
        self.assertIn("float32: p50 9.00 µs ✓, p99 30.0 µs ✗; bfloat16: p50 5.00 µs ✓, p99 12.0 µs ✓", text)
        self.assertIn("2 request threads: 300,000 ✓", text)

    def test_fixture_run(self):
        fixture = os.path.join(FIXTURES, "predictor.json")
        self.skip_without(fixture)
        text, missing = self.render("predictor", fixture)
        self.assertEqual([r[0] for r in self.rows(text, "row weights")], ["float32", "bfloat16"])
        with open(fixture) as f:
            p50 = next(r["primaryMetric"]["scorePercentiles"]["50.0"] for r in json.load(f)
                       if r["benchmark"].endswith(".latency") and r["params"]["rowWeights"] == "FLOAT32")
        self.assertEqual(self.row(text, "row weights", "float32")[1], jmh.significant(p50))

    def test_old_run_without_row_weights_is_all_dashes(self):
        text, missing = self.render("predictor", os.path.join(RESULTS, "predictor-no-row-weights.json"))
        self.assertEqual(set(self.row(text, "row weights", "float32")[1:]), {"—"})
        self.assertIn("`PredictorBench.latency` (rowWeights=FLOAT32, JMH threads=1)", missing)


class Machine(Rendering):
    def test_facts_and_gatun_info(self):
        facts = self.write("machine.json", {"cpu_model": "AMD EPYC", "logical_cpus": 2, "usable_cpus": 2,
                                            "cpu_flags": ["avx2", "fma"], "memory_gib": 23.5, "os": "Debian 12",
                                            "kernel": "6.1", "hypervisor": True, "jdk": "not found",
                                            "openblas_package": "0.3.21+ds-4", "gcc": "gcc 12.2.0"})
        info = self.write("gatun-info.json", {"jdk": "25.0.3+9-LTS", "openblas_config": "OpenBLAS 0.3.21 Zen",
                                              "openblas_core": "Zen", "openblas_library": "/usr/lib/libopenblas.so",
                                              "blas_threads": 2})
        text, missing = self.render("machine", facts, info)
        self.assertIn("- CPU: AMD EPYC, 2 logical CPUs (2 usable), virtualised; SIMD flags: avx2 fma", text)
        self.assertIn("- JDK: 25.0.3+9-LTS", text)
        self.assertIn("`OpenBLAS 0.3.21 Zen`, kernels Zen; library /usr/lib/libopenblas.so", text)
        self.assertEqual(missing, [])
        text, missing = self.render("machine", facts)
        self.assertIn("kernels —", text)
        self.assertIn("blas_kernel_set (from gatun-info.json)", missing)

    def test_gatun_info_naming_any_blas_library(self):
        facts = self.write("machine.json", {"cpu_model": "AMD EPYC", "logical_cpus": 2, "usable_cpus": 2,
                                            "cpu_flags": ["avx2"], "memory_gib": 23.5, "os": "Debian 12",
                                            "kernel": "6.1", "jdk": "25", "openblas_package": "0.3.21+ds-4",
                                            "gcc": "gcc 12.2.0"})
        info = self.write("gatun-info.json", {"jdk": "25", "blas_version": "BLIS 0.9.0", "blas_kernel_set": "generic",
                                              "blas_library": "/usr/lib/libblis.so.4", "blas_threads": 1})
        text, missing = self.render("machine", facts, info)
        self.assertIn("`BLIS 0.9.0`, kernels generic; library /usr/lib/libblis.so.4; 1 threads by default", text)
        self.assertEqual(missing, [])


class CommandLine(Rendering):
    def test_writes_the_frame_of_a_section(self):
        out = os.path.join(self.tmp.name, "optimizer.md")
        command = "bench/run OptimizerBench -prof gc -rf json -rff bench/results/optimizer.json"
        done = subprocess.run([sys.executable, os.path.join(HERE, "render.py"), "optimizer", "--out", out,
                               "--command", command, "--started", "2026-12-02 10:00 UTC",
                               "--finished", "2026-12-02 10:01 UTC", os.path.join(RESULTS, "optimizer.json")],
                              capture_output=True, text=True, check=True,
                              env=dict(os.environ, OPENBLAS_CORETYPE="SkylakeX"))
        self.assertEqual(done.stdout.strip(), f"wrote {out}")
        with open(out) as f:
            text = f.read()
        lines = text.splitlines()
        self.assertEqual(lines[0], "## Optimizer steps vs copy")
        self.assertIn("Generated by `bench/report`; do not edit: rerun it. Run 2026-12-02 10:00–10:01 UTC.", lines)
        self.assertIn("JMH settings (from the JSON): 1 fork, 5 warm-up × 1 s + 5 measurement × 1 s iterations.", lines)
        self.assertIn(command, lines)
        self.assertIn("OPENBLAS_CORETYPE when rendered: SkylakeX (bench/report renders a section right after its run; "
                      "a later re-render reads its own environment).", lines)
        self.assertTrue(any(line.startswith("Raw JSON in `bench/render/fixtures/`: `optimizer.json` (written ")
                            for line in lines))

    def test_never_stops_on_a_missing_file(self):
        for section in render.SECTIONS:
            text, missing = render.render(section, [os.path.join(self.tmp.name, "absent.json")])
            self.assertTrue(text.startswith("## "), section)
            self.assertIn("`absent.json`: not readable", "\n".join(missing), section)



class Gemm(Rendering):
    """bench/render/gemm.py on a manifest made here (known figures) and on a smoke run's files (fixtures/gemm/)."""

    def config(self, **changes):
        config = {"id": "openblas-Haswell-t1", "library": "openblas", "title": "OpenBLAS (Debian, the system's)",
                  "kernel_variable": "OPENBLAS_CORETYPE", "kernels": "Haswell", "threads": 1, "precisions": ["s"],
                  "paths": ["c", "door", "raw", "jniblas"], "shapes": ["4x4x4", "256x256x256"],
                  "skipped_shapes": [], "c": {"s": "c-s.json"}, "jmh": "jmh.json",
                  "loaded": {"jniblas": ["/usr/lib/x/libblas.so.3"]}, "path": "/usr/lib/x/libopenblas.so",
                  "package": "libopenblas0-pthread 0.3.21", "commands": ["gemm_bench --library x"], "errors": []}
        config.update(changes)
        return config

    def manifest(self, configs, c_lines, jmh_results):
        directory = os.path.join(self.tmp.name, "gemm")
        os.makedirs(directory, exist_ok=True)
        for name, lines in c_lines.items():
            with open(os.path.join(directory, name), "w") as f:
                json.dump(lines, f)
        with open(os.path.join(directory, "jmh.json"), "w") as f:
            json.dump(jmh_results, f)
        manifest = {"command": "bench/gemm-report --libs openblas", "started": "2026-12-04 04:00 UTC",
                    "finished": "2026-12-04 04:10 UTC", "seconds": 600,
                    "environment": {"OPENBLAS_CORETYPE": "Haswell", "BLIS_ARCH_TYPE": None},
                    "machine": {"cpu": "a CPU", "cpus": 2, "flags": "avx2", "kernel": "6", "java": "java", "gcc": "gcc"},
                    "quick": False, "settings": {"warmup_iterations": 1, "warmup_time": 0.2, "iterations": 5,
                                                 "time": 0.2, "c_batches": 5, "c_min_time": 0.1},
                    "configs": configs}
        path = os.path.join(directory, "manifest.json")
        with open(path, "w") as f:
            json.dump(manifest, f)
        return path

    @staticmethod
    def c_line(shape, batches, precision="s"):
        m, n, k = (int(x) for x in shape.split("x"))
        mean = sum(batches) / len(batches)
        stdev = (sum((b - mean) ** 2 for b in batches) / (len(batches) - 1)) ** 0.5
        return {"precision": precision, "m": m, "n": n, "k": k, "ns_per_call": mean, "ns_stdev": stdev,
                "ns_min": min(batches), "ns_max": max(batches), "batch_ns": batches, "threads": 1,
                "library": "/usr/lib/x/libopenblas.so", "config": "OpenBLAS 0.3.21 Haswell", "core": "Haswell"}

    @staticmethod
    def jmh(path, shape, ns, error=None, precision="f32"):
        return result(f"GemmBench.{path}", {"shape": shape, "precision": precision}, ns, "ns/op", error)

    def known_run(self):
        flops = 2.0 * 256 ** 3  # C at 100 GFLOPS, the door at 96 (ratio 0.96), raw at 99
        c = [self.c_line("4x4x4", [70.0, 72.0, 71.0, 69.0, 68.0]),
             self.c_line("256x256x256", [flops / 100] * 5)]
        java = [self.jmh("door", "4x4x4", 80.0, 2.0), self.jmh("raw", "4x4x4", 75.0, 1.0),
                self.jmh("door", "256x256x256", flops / 96, flops / 96 * 0.01),
                self.jmh("raw", "256x256x256", flops / 99)]
        return self.manifest([self.config()], {"c-s.json": c}, java)

    def test_c_spread_is_the_same_half_width_as_jmh_error(self):
        import gemm
        figure = gemm.c_figure(self.c_line("4x4x4", [100.0, 110.0, 90.0, 100.0, 100.0]))
        stdev = (200 / 4) ** 0.5
        self.assertAlmostEqual(figure.ns, 100.0)
        self.assertAlmostEqual(figure.error, 8.610 * stdev / 5 ** 0.5)  # t(0.9995, 4 df) · s / √n, as JMH
        self.assertIsNone(gemm.c_figure(self.c_line("4x4x4", [100.0, 110.0])).error)  # JMH: none from two samples

    def test_table_has_gflops_ratio_at_large_sizes_only_and_dashes_for_missing(self):
        import gemm
        text, _ = gemm.render(self.known_run())
        title = "### OpenBLAS (Debian, the system's) · OPENBLAS_CORETYPE=Haswell · 1 thread · sgemm"
        self.assertIn(title, text)
        small = self.row(text, title, "4×4 · (4×4)ᵀ")
        large = self.row(text, title, "256×256 · (256×256)ᵀ")
        self.assertEqual(small[3], "")  # no Gatun/C below 256
        # jniblas never ran; without GemmPaired's figures the ratio is the separate processes', and says so
        self.assertEqual(large[1:], ["100.0 ± 0.0%", "96.0 ± 1.0%", "0.960 (separate) ✗", "99.0", "—"])
        self.assertIn("Gatun/C where every dimension is ≥ 256: 0 of 1 at or above 0.97 (✗ marks the others); "
                      "lowest 0.960; 0 of them paired in one process.", text)
        self.assertNotIn("GemmPaired):", text)
        self.assertIn("JNIBLAS mapped: `/usr/lib/x/libblas.so.3`", text)
        self.assertIn("`OpenBLAS 0.3.21 Haswell`, core Haswell", text)
        self.assertIn("OPENBLAS_CORETYPE=Haswell", text.split(title)[0])  # the environment's, up front

    def test_ratio_comes_from_the_pairs_in_one_process_when_they_were_measured(self):
        import gemm
        path = self.known_run()
        # C's mean over the door's (400 / 450 = 0.889) differs from the mean of the pairs' ratios (1.125)
        c, door = [100.0, 100.0, 100.0, 100.0], [50.0, 200.0, 100.0, 100.0]
        with open(os.path.join(os.path.dirname(path), "paired.json"), "w") as f:
            json.dump([{"shape": "256x256x256", "precision": "f32", "threads": 1, "reps": 64, "c_ns": c,
                        "door_ns": door}], f)
        with open(path) as f:
            manifest = json.load(f)
        manifest["configs"][0]["paired"] = "paired.json"
        with open(path, "w") as f:
            json.dump(manifest, f)
        text, _ = gemm.render(path)
        title = "### OpenBLAS (Debian, the system's) · OPENBLAS_CORETYPE=Haswell · 1 thread · sgemm"
        ratios = [x / y for x, y in zip(c, door)]
        mean = sum(ratios) / 4
        half_width = 12.924 * (sum((r - mean) ** 2 for r in ratios) / 3) ** 0.5 / 2 / mean  # t(0.9995, 3 df)
        self.assertAlmostEqual(mean, 1.125)
        # 400 / 450, not the mean of the ratios nor the separate columns' 0.960; below 0.97, so marked
        self.assertEqual(self.row(text, title, "256×256 · (256×256)ᵀ")[3], f"0.889 ± {half_width * 100:.1f}% ✗")
        self.assertIn("0 of 1 at or above 0.97 (✗ marks the others); lowest 0.889; 1 of them paired in one process.",
                      text)
        self.assertIn("Gatun/C is measured apart, in one JVM (GemmPaired)", text)
        self.assertIn("The same cells from the separate figures (the C column's process against the Gatun door "
                      "column's JMH run): 0 of 1 at or above 0.97, lowest 0.960.", text)

    def test_library_paths_are_shown_as_a_readers_checkout_and_home_would_have_them(self):
        import gemm
        import page
        home = os.path.expanduser("~")
        inside = os.path.join(page.ROOT, "bench", "results", "tmp", "lib", "libopenblas.so.0")
        cached = os.path.join(home, ".javacpp", "cache", "libjniopenblas.so")
        path = self.manifest([self.config(path=inside, loaded={"jniblas": [cached, "/usr/lib/x/libblas.so.3"]})],
                             {}, [])
        text, _ = gemm.render(path)
        self.assertIn("Library: `bench/results/tmp/lib/libopenblas.so.0`;", text)
        if home not in ("/", page.ROOT):
            self.assertIn("`~/.javacpp/cache/libjniopenblas.so`", text)
        self.assertIn("`/usr/lib/x/libblas.so.3`", text)
        self.assertNotIn(page.ROOT + os.sep, text)

    def test_per_call_table_splits_door_checks_from_the_downcall(self):
        import gemm
        text, _ = gemm.render(self.known_run())
        row = self.row(text, "### Per-call cost at n = 4", "openblas-Haswell-t1 sgemm")
        self.assertEqual(row[2:], ["80.0 ± 2.0", "75.0 ± 1.0", "5.0", "5.0"])  # C mean 70: 75 − 70

    def test_plots_are_pngs_referenced_from_the_section(self):
        import gemm
        text, plots = gemm.render(self.known_run(), plot_dir=self.tmp.name)
        self.assertEqual([os.path.basename(p) for p in plots], ["gemm-openblas-Haswell-s.png"])
        with open(plots[0], "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        self.assertIn(f"]({gemm.page_relative(plots[0])})", text)

    def test_a_failed_configuration_is_named_and_the_others_still_render(self):
        import gemm
        failed = self.config(id="blis-auto-t1", library="blis", title="BLIS", kernel_variable="BLIS_ARCH_TYPE",
                             kernels=None, c={}, jmh=None, loaded={}, errors=["JMH for blis-auto-t1 exited with 1"])
        path = self.known_run()
        with open(path) as f:
            manifest = json.load(f)
        manifest["configs"].append(failed)
        with open(path, "w") as f:
            json.dump(manifest, f)
        text, _ = gemm.render(path)
        self.assertIn("**Failed:** JMH for blis-auto-t1 exited with 1", text)
        self.assertIn("### BLIS · BLIS_ARCH_TYPE unset (the library's choice) · 1 thread · sgemm", text)
        self.assertEqual(self.row(text, "### BLIS", "256×256 · (256×256)ᵀ")[1:], ["—", "—", "—", "—", "—"])

    def test_smoke_run_fixture_renders_every_path(self):
        import gemm
        fixture = os.path.join(FIXTURES, "gemm", "manifest.json")
        text, _ = gemm.render(fixture)
        title = next(line for line in text.splitlines() if line.startswith("### OpenBLAS") and "sgemm" in line)
        row = self.row(text, title, "256×256 · (256×256)ᵀ")
        self.assertEqual(len(row), 6)  # shape, C, door, Gatun/C, raw, JNIBLAS
        self.assertNotIn("—", row)
        self.assertIn("libblas.so.3", text)  # JNIBLAS's own default, as Spark loads it


if __name__ == "__main__":
    unittest.main()
