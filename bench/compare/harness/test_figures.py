"""The figures the comparison reports: how many epochs a training run trains and which of them it times, and how
many seeds the accuracy runs cover and what their difference is."""
import io
import os
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
import engines  # noqa: E402
import report  # noqa: E402
import summary  # noqa: E402


def run_with_rates(*rates):
    return {"samples_per_second": rates[-1], "history": [{"samples_per_second": r} for r in rates]}


class TrainEpochsTest(unittest.TestCase):
    def test_warm_up_is_two_epochs_and_the_steps_then_the_timed_epochs(self):
        # 60,000 samples: 1,875 steps an epoch at batch 32, 469 at 128, 59 at 1024 (the partial batch counts)
        self.assertEqual(compare.train_epochs(60000, 32), 2 + compare.TIMED_EPOCHS)
        self.assertEqual(compare.train_epochs(60000, 128), 3 + compare.TIMED_EPOCHS)
        self.assertEqual(compare.train_epochs(60000, 1024), 17 + compare.TIMED_EPOCHS)

    def test_warm_up_covers_the_steps_in_every_case(self):
        for samples in (1000, 59999, 60000, 60001):
            for batch in (1, 32, 100, 128, 1024, 5000):
                warm = compare.train_epochs(samples, batch) - compare.TIMED_EPOCHS
                steps = -(-samples // batch)
                self.assertGreaterEqual(warm, 2)
                self.assertGreaterEqual(warm * steps, compare.WARMUP_STEPS)
                self.assertLess((warm - 1) * steps, max(compare.WARMUP_STEPS, 2 * steps))


class SteadyFigureTest(unittest.TestCase):
    def test_median_of_the_last_epochs_only(self):
        # the warm-up's slow epochs and a fast outlier among the timed ones do not move the figure
        result = run_with_rates(10.0, 50.0, 90.0, 120.0, 100.0, 500.0)
        self.assertEqual(engines.steady_samples_per_second(result, 3, 6), 120.0)
        self.assertEqual(engines.steady_samples_per_second(result, 2, 6), 300.0)
        self.assertEqual(engines.steady_samples_per_second(result, 1, 6), 500.0)

    def test_a_run_cut_short_or_a_missing_rate_gives_no_figure(self):
        # a run that stopped early would otherwise be timed on its warm-up epochs
        self.assertIsNone(engines.steady_samples_per_second(run_with_rates(10.0, 50.0, 90.0, 100.0), 3, 6))
        self.assertIsNone(engines.steady_samples_per_second(run_with_rates(100.0, 110.0), 3, 2))
        self.assertIsNone(engines.steady_samples_per_second({"samples_per_second": 5.0}, 1, 1))
        broken = run_with_rates(100.0, 110.0, 120.0)
        broken["history"][1]["samples_per_second"] = None
        self.assertIsNone(engines.steady_samples_per_second(broken, 3, 3))

    def test_train_figures_keep_the_engines_own_last_epoch(self):
        out = engines.train_figures(run_with_rates(20.0, 90.0, 100.0, 80.0), 60000, 3, 4)
        self.assertEqual(out["samples_per_second"], 90.0)
        self.assertEqual(out["last_epoch_samples_per_second"], 80.0)
        self.assertAlmostEqual(out["first_epoch_seconds"], 3000.0)

    def test_gatun_first_epoch_includes_its_warm_up_and_a_missing_figure_is_reported(self):
        settings = type("S", (), {"timed_epochs": 3, "train_epochs": {128: 5}})()
        gatun = engines.Gatun("/nonexistent/gatun", settings)
        result = dict(run_with_rates(30.0, 60.0, 90.0, 100.0, 80.0), train_samples=60000, warm_up_seconds=0.5)
        out = gatun.extract("train", 128, result)
        self.assertEqual(out["samples_per_second"], 90.0)
        self.assertAlmostEqual(out["first_epoch_seconds"], 2000.5)
        self.assertIn("90 samples/s", compare._describe(gatun, "train", out))
        short = gatun.extract("train", 128, dict(run_with_rates(30.0, 60.0), train_samples=60000))
        self.assertIsNone(short["samples_per_second"])
        self.assertIn("no figure", compare._describe(gatun, "train", short))


class MethodTextTest(unittest.TestCase):
    def test_new_records_say_median_and_steps(self):
        text = report.training_method({"train_epochs": {"32": 5, "128": 6, "1024": 20}, "timed_epochs": 3,
                                       "warmup_steps": 1000, "batches": [32, 128, 1024]}, "the 60,000")
        self.assertIn("median of the last 3", text)
        self.assertIn("5 at batch 32; 6 at batch 128; 20 at batch 1024", text)
        self.assertIn("at least 1,000 steps", text)

    def test_old_records_say_what_their_harness_did(self):
        # before the median: the last epoch was the figure; the step rule came with unequal epoch counts only
        same = report.training_method({"train_epochs": 3, "batches": [32, 128, 1024]}, "the 60,000")
        self.assertIn("the last of the shuffled epochs", same)
        self.assertNotIn("steps", same)
        unequal = report.training_method({"train_epochs": {"32": 3, "128": 3, "1024": 10},
                                          "batches": [32, 128, 1024]}, "the 60,000")
        self.assertIn("at least 500 steps", unequal)
        self.assertNotIn("median", unequal)


def accuracy_run(engine, accuracy, ok=True):
    return {"engine": engine, "mode": "accuracy", "batch": 128, "threads": 2, "ok": ok,
            "result": {"test_accuracy": accuracy}}

def train_run(engine, rate, round_index, batch=128, threads=2, ok=True):
    return {"engine": engine, "mode": "train", "batch": batch, "threads": threads, "run": round_index, "ok": ok,
            "result": {"samples_per_second": rate, "flops_per_sample": 1.0}, "error": None if ok else "exit 1"}


class RunByRunTest(unittest.TestCase):
    # Round 1 is slow for everyone. The medians (Gatun 100, bound 150) set round 0's Gatun against round 2's bound;
    # the rounds' own ratios are 100/120, 60/80 and 130/150.
    RUNS = [train_run("gatun", 100.0, 0), train_run("c", 120.0, 0),
            train_run("gatun", 60.0, 1), train_run("c", 80.0, 1),
            train_run("gatun", 130.0, 2), train_run("c", 150.0, 2),
            train_run("torch", 50.0, 0), train_run("numpy", 70.0, 0), train_run("numpy", 40.0, 1),
            train_run("torch", 999.0, 2, ok=False),      # a failed run is no reference
            train_run("gatun", 10.0, 3),                 # a round without a reference gives no ratio
            train_run("c", 10.0, 4),                     # nor one without Gatun
            train_run("c", 1.0, 0, batch=1024)]          # nor another cell's run

    def test_each_round_against_its_own_references(self):
        bound = summary.paired_ratios(self.RUNS, "train", "gatun", ("c",), 128, 2, "samples_per_second")
        self.assertEqual(bound["n"], 3)
        self.assertAlmostEqual(bound["median"], 100.0 / 120.0)
        self.assertAlmostEqual(bound["min"], 60.0 / 80.0)
        self.assertAlmostEqual(bound["max"], 130.0 / 150.0)
        peers = summary.paired_ratios(self.RUNS, "train", "gatun", summary.PEERS, 128, 2, "samples_per_second")
        self.assertEqual(peers["n"], 2)  # round 2's only peer run failed
        self.assertAlmostEqual(peers["min"], 100.0 / 70.0)  # the round's best peer: NumPy's 70, not PyTorch's 50
        self.assertAlmostEqual(peers["max"], 60.0 / 40.0)
        faster = summary.paired_ratios(self.RUNS, "train", "gatun", summary.PEERS, 128, 2, "samples_per_second", True)
        self.assertAlmostEqual(faster["max"], 100.0 / 50.0)  # lower is better: round 0's smallest figure, PyTorch's
        self.assertIsNone(summary.paired_ratios(self.RUNS, "train", "gatun", ("c",), 32, 2, "samples_per_second"))

    def test_the_report_shows_them_beside_the_medians(self):
        record = {"runs": self.RUNS, "engines": {}}
        settings = {"limit": 0, "batches": [128], "threads": [2], "runs": 5, "train_epochs": 6, "timed_epochs": 3,
                    "warmup_steps": 1000}
        text = "\n".join(report._training(record, summary.summarize(self.RUNS), settings))
        self.assertIn("| 128 | 2 | 1.46× [1.43×–1.50×] | 83% [75%–87%] |", text)
        self.assertIn("| 80 [10–130] |", text)  # the medians' table is unchanged: its ratio to the bound is 80%
        self.assertIn("| 80% ✗ |", text)
        one = "\n".join(report._training(record, summary.summarize(self.RUNS), dict(settings, runs=1)))
        self.assertNotIn("run by run", one)

    def test_inference_at_batch_1024_too(self):
        runs = [dict(train_run(e, None, r, batch=1024), mode="infer", result={"throughput_per_second": v})
                for e, v, r in (("gatun", 300.0, 0), ("torch", 250.0, 0), ("gatun", 200.0, 1), ("numpy", 200.0, 1))]
        text = "\n".join(report._inference({"runs": runs, "engines": {}}, summary.summarize(runs),
                                            {"infer_seconds": 5, "threads": [2], "runs": 2}))
        self.assertIn("median [min–max]): 2 threads 1.10× [1.00×–1.20×].", text)


class InferenceBoundTest(unittest.TestCase):
    SETTINGS = type("S", (), {"threads": [1, 2], "batches": [128], "runs": 1, "accuracy_seeds": 1,
                              "accuracy_threads": 2, "bound_seconds": 3.0})()

    def test_the_bound_runs_batch_1024_only_and_bfloat16_batch_1_only(self):
        bound = engines.SgemmBound("/nonexistent/sgemm_bound", self.SETTINGS)
        bf16 = engines.Gatun("/nonexistent/gatun", self.SETTINGS, "gatun-bf16", "bf16", ("infer",),
                             list(engines.GATUN_BENCHMARK_BF16), single_rows_only=True)
        cells = [(e.key, b, t) for e, m, b, t, r in compare._plan(self.SETTINGS, [bound, bf16]) if m == "infer"]
        self.assertEqual(cells, [("gatun-bf16", 1, 1), ("c", 1024, 1), ("c", 1024, 2)])
        command = bound.command("infer", 1024, 2, 0)
        self.assertEqual(command[command.index("--mode") + 1], "infer")
        self.assertEqual(bound.command("train", 128, 1, 0)[1:3], ["--mode", "train"])

    def test_the_inference_table_sets_gatun_and_the_best_peer_against_the_bound(self):
        def infer(engine, rate, **extra):
            return {"engine": engine, "mode": "infer", "batch": 1024, "threads": 2, "run": 0, "ok": True,
                    "result": dict(throughput_per_second=rate, **extra)}
        runs = [infer("c", 400.0, one_stream_samples_per_second=350.0, side_by_side_samples_per_second=400.0),
                infer("gatun", 380.0), infer("torch", 300.0), infer("numpy", 320.0)]
        text = "\n".join(report._inference({"runs": runs, "engines": {}}, summary.summarize(runs),
                                            {"infer_seconds": 5, "threads": [2], "runs": 1}))
        self.assertIn("| 2 | 400 | 350 | 400 | 95% | 80% |", text)
        self.assertIn("| 1.19× ✗ |", text)
        without = [r for r in runs if r["engine"] != "c"]
        text = "\n".join(report._inference({"runs": without, "engines": {}}, summary.summarize(without),
                                            {"infer_seconds": 5, "threads": [2], "runs": 1}))
        self.assertNotIn("side by side", text)

    def test_the_bounds_figures_are_the_names_sgemm_bound_prints(self):
        # a name changed on one side only would leave the table's columns empty ("—") without a failure
        source = open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sgemm_bound.c")).read()
        for name in summary.METRICS["infer"][2:] + ("samples_per_second", "sgemm_gflops"):
            self.assertIn(f'\\"{name}\\":', source, name)

    def test_one_thread_has_no_side_by_side_figure(self):
        runs = [{"engine": "c", "mode": "infer", "batch": 1024, "threads": 1, "run": 0, "ok": True,
                 "result": {"throughput_per_second": 200.0, "one_stream_samples_per_second": 200.0,
                            "side_by_side_samples_per_second": None}}]
        text = "\n".join(report._inference({"runs": runs, "engines": {}}, summary.summarize(runs),
                                            {"infer_seconds": 5, "threads": [1], "runs": 1}))
        self.assertIn("| 1 | 200 | 200 | — | — | — |", text)
        skipped = {"c": {"infer": "not selected (--only)"}}
        text = "\n".join(report._inference({"runs": [], "engines": skipped}, {},
                                            {"infer_seconds": 5, "threads": [1], "runs": 1}))
        self.assertNotIn("side by side", text)

    def test_the_training_gflops_come_from_the_training_bound(self):
        # an inference run of the bound at the same batch and threads, earlier in the record, is not the training one
        runs = [{"engine": "c", "mode": "infer", "batch": 128, "threads": 2, "run": 0, "ok": True,
                 "result": {"throughput_per_second": 900.0, "samples_per_second": 900.0, "flops_per_sample": 7.0,
                            "sgemm_gflops": 9.0}},
                dict(train_run("c", 100.0, 0), result={"samples_per_second": 100.0, "flops_per_sample": 1007104.0,
                                                       "sgemm_gflops": 100.7}),
                train_run("gatun", 90.0, 0)]
        settings = {"limit": 0, "batches": [128], "threads": [2], "runs": 1, "train_epochs": 6, "timed_epochs": 3,
                    "warmup_steps": 1000}
        text = "\n".join(report._training({"runs": runs, "engines": {}}, summary.summarize(runs), settings))
        self.assertIn("| 128 | 2 | 1,007,104 | 100.7 | 90% |", text)


class AccuracySeedsTest(unittest.TestCase):
    def test_the_accuracy_runs_cover_their_own_seeds_whatever_the_runs(self):
        settings = type("S", (), {"threads": [1], "batches": [128], "runs": 3, "accuracy_seeds": 10,
                                  "accuracy_threads": 2})()
        gatun = engines.Gatun("/nonexistent/gatun", type("G", (), {"data": "d", "train_epochs": {128: 6},
                                                                   "accuracy_epochs": 5, "gatun_seconds": 0.5,
                                                                   "warmup_seconds": 0.2, "work_dir": "/tmp"})())
        plan = compare._plan(settings, [gatun])
        self.assertEqual([r for e, m, b, t, r in plan if m == "train"], [0, 1, 2])
        accuracy = [(b, t, r) for e, m, b, t, r in plan if m == "accuracy"]
        self.assertEqual(accuracy, [(128, 2, seed) for seed in range(10)])
        command = gatun.command("accuracy", 128, 2, 7)
        self.assertEqual(command[command.index("--seed") + 1], "7")
        # Inference: the peers' timing and warm-up, decimal seconds and all (not rounded up to whole seconds).
        infer = gatun.command("infer", 1, 1, 0)
        self.assertEqual(infer[infer.index("--seconds") + 1], "0.5")
        self.assertEqual(infer[infer.index("--warmup") + 1], "0.2")

    def test_the_seeds_default_to_ten_one_when_quick_and_reach_the_record(self):
        with tempfile.TemporaryDirectory() as data:
            with open(os.path.join(data, "train-labels-idx1-ubyte"), "wb") as f:
                f.write(bytes([0, 0, 8, 1]) + (60000).to_bytes(4, "big"))
            for argv, seeds in (([], 10), (["--quick"], 1), (["--accuracy-seeds", "4"], 4),
                                (["--quick", "--accuracy-seeds", "3"], 3)):
                with mock.patch.object(sys, "argv", ["compare", "--root", data, "--bound-binary", "b", "--data", data]
                                       + argv):
                    settings = compare.Settings(compare._arguments(), "20261206T000000Z")
                self.assertEqual(settings.accuracy_seeds, seeds, argv)
                self.assertEqual(settings.public()["accuracy_seeds"], seeds, argv)

    def test_zero_seeds_are_refused(self):
        with mock.patch.object(sys, "argv", ["compare", "--root", "r", "--bound-binary", "b", "--accuracy-seeds", "0"]), \
                mock.patch.object(sys, "stderr", io.StringIO()) as err:
            with self.assertRaises(SystemExit):
                compare._arguments()
        self.assertIn("--accuracy-seeds must be >= 1, got 0", err.getvalue())

    def test_mean_difference_and_its_standard_error(self):
        # skewed on purpose, so that means and medians differ; Gatun's training runs also carry a test accuracy
        runs = [accuracy_run("gatun", a) for a in (0.86, 0.87, 0.90)] + \
               [accuracy_run("torch", a) for a in (86.0, 87.0)] + \
               [accuracy_run("torch", None), accuracy_run("torch", 99.0, ok=False), accuracy_run("numpy", 50.0),
                dict(accuracy_run("gatun", 0.10), mode="train")]
        difference, error = summary.mean_difference(runs, "gatun", "torch")
        self.assertAlmostEqual(difference, 87.66666666666667 - 86.5)
        # sample variances: Gatun 4.3333 over 3 runs, PyTorch 0.5 over 2
        self.assertAlmostEqual(error, (13.0 / 3 / 3 + 0.5 / 2) ** 0.5)
        self.assertIsNone(summary.mean_difference(runs[:4], "gatun", "torch"))

    def test_the_report_judges_the_means_and_names_the_seeds(self):
        runs = [accuracy_run("gatun", a) for a in (86.0, 87.0, 90.0)] + \
               [accuracy_run("torch", a) for a in (86.8, 87.6, 87.7)]
        record = {"runs": runs, "engines": {}}
        settings = {"accuracy_threads": 2, "accuracy_epochs": 5, "runs": 3}
        old = "\n".join(report._accuracy(record, summary.summarize(runs), settings))
        self.assertIn("seeds 0 to 2", old)
        text = "\n".join(report._accuracy(record, summary.summarize(runs), dict(settings, accuracy_seeds=3)))
        self.assertIn("seeds 0 to 2", text)
        # means 87.67 against 87.37; the medians (87.0 against 87.6) alone would have missed the target
        self.assertIn("Gatun − PyTorch: +0.30 ± 1.24 points ✓ (difference of the means", text)
        self.assertIn("the medians differ by -0.60 points", text)
        runs[2] = accuracy_run("gatun", 96.0)
        worse = "\n".join(report._accuracy(record, summary.summarize(runs), dict(settings, accuracy_seeds=3)))
        self.assertIn("points ✗ (difference of the means", worse)
        one = [accuracy_run("gatun", 87.0), accuracy_run("torch", 86.0)]
        single = "\n".join(report._accuracy({"runs": one, "engines": {}}, summary.summarize(one),
                                             dict(settings, accuracy_seeds=1)))
        self.assertIn("One run per engine, with seed 0.", single)
        self.assertIn("Gatun − PyTorch: +1.00 points ✗ (medians)", single)


if __name__ == "__main__":
    unittest.main()
