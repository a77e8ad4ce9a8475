"""Tests of bench/gemm/report.py's bracketing: C's batches before and after the JVM's become one result.
Run: /usr/bin/python3 -m unittest discover bench/gemm
"""
import os
import statistics
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


def line(batches, m=256, n=256, k=256, precision="s"):
    mean = sum(batches) / len(batches)
    return {"precision": precision, "m": m, "n": n, "k": k, "ns_per_call": mean, "ns_stdev": statistics.stdev(batches),
            "ns_min": min(batches), "ns_max": max(batches), "batch_ns": batches, "gflops": 2.0 * m * n * k / mean,
            "threads": 1, "reps": 64, "batches": len(batches), "library": "libopenblas.so.0"}


class Bracketing(unittest.TestCase):
    def test_both_sides_batches_make_one_mean_spread_and_rate(self):
        before, after = line([100.0, 102.0, 98.0]), line([110.0, 112.0, 108.0])
        merged = report.bracketed(before, after)
        every = [100.0, 102.0, 98.0, 110.0, 112.0, 108.0]
        self.assertAlmostEqual(merged["ns_per_call"], 105.0)
        self.assertAlmostEqual(merged["ns_stdev"], statistics.stdev(every))
        self.assertEqual((merged["ns_min"], merged["ns_max"], merged["batches"]), (98.0, 112.0, 6))
        self.assertEqual(merged["batch_ns"], every)
        self.assertAlmostEqual(merged["gflops"], 2.0 * 256 ** 3 / 105.0)
        self.assertEqual(merged["sides"], [100.0, 110.0])
        self.assertEqual(before["ns_per_call"], 100.0, "the input lines stay as they were")

    def test_results_of_different_shapes_are_refused(self):
        with self.assertRaisesRegex(RuntimeError, "different shapes"):
            report.bracketed(line([1.0, 2.0], n=512), line([1.0, 2.0]))


if __name__ == "__main__":
    unittest.main()
