"""Tests of bench/gemm/plan.py: the options, the configurations they make, and the duration estimate.
Run: /usr/bin/python3 -m unittest discover bench/gemm
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plan  # noqa: E402

ENV = {"OPENBLAS_CORETYPE": "Haswell"}  # as this environment sets it


def parse(*argv, environ=ENV):
    return plan.parse(list(argv), environ)


class Plan(unittest.TestCase):
    def test_default_run_fits_twenty_minutes(self):
        args = parse()
        self.assertLessEqual(plan.estimate(args), 20 * 60)
        self.assertEqual({c.library.name for c in args.configs}, set(plan.LIBRARIES))

    def test_the_door_is_paired_with_c_where_gatun_c_is_judged_only(self):
        config = parse("--libs", "openblas", "--threads", "1").configs[0]
        self.assertTrue(config.pairs(plan.Shape(256, 256, 256)))
        self.assertTrue(config.pairs(plan.Shape(1024, 256, 784)))
        self.assertFalse(config.pairs(plan.Shape(128, 256, 784)))  # a dimension below 256
        self.assertFalse(config.pairs(plan.Shape(64, 64, 64)))
        without_c = parse("--libs", "openblas", "--threads", "1", "--paths", "door,raw").configs[0]
        self.assertFalse(without_c.pairs(plan.Shape(1024, 1024, 1024)))
        with self.assertRaises(SystemExit):
            parse("--paired-batches", "1")
        with self.assertRaises(SystemExit):
            parse("--paired-target-error", "0")
        quick = parse("--quick")
        self.assertEqual((quick.paired_batches, quick.paired_max_seconds), (2, 0))

    def test_default_keeps_the_environments_kernels_and_says_so_in_the_id(self):
        configs = {c.id: c for c in parse("--libs", "openblas,blis").configs}
        self.assertEqual(set(configs), {"openblas-Haswell-t1", "openblas-Haswell-t2", "blis-auto-t1", "blis-auto-t2"})
        self.assertEqual(configs["openblas-Haswell-t1"].environment()["OPENBLAS_CORETYPE"], "Haswell")

    def test_a_kernel_set_per_library_applies_to_that_library_only(self):
        configs = parse("--libs", "openblas@SkylakeX,blis@skx,openblas", "--threads", "1").configs
        self.assertEqual([c.id for c in configs], ["openblas-SkylakeX-t1", "blis-skx-t1", "openblas-Haswell-t1"])
        self.assertEqual(configs[1].environment()["BLIS_ARCH_TYPE"], "skx")
        self.assertNotIn("OPENBLAS_CORETYPE", configs[1].environment())
        auto = parse("--libs", "openblas@auto").configs[0]  # unsets it: the library's choice
        self.assertIsNone(auto.kernels)
        self.assertEqual(auto.unset(), ["OPENBLAS_CORETYPE"])
        self.assertNotIn("OPENBLAS_CORETYPE", auto.environment())
        self.assertEqual(parse("--libs", "blis", environ={}).configs[0].unset(), ["BLIS_ARCH_TYPE"])

    def test_single_threaded_and_slow_libraries_are_bounded(self):
        reference = parse("--libs", "reference", "--sizes", "all").configs
        self.assertEqual([c.threads for c in reference], [1])
        self.assertEqual(max(s.m for s in reference[0].shapes if s.square), 512)
        self.assertIn(plan.Shape(1024, 1024, 1024), reference[0].skipped)
        self.assertIn(plan.Shape(128, 256, 784), reference[0].shapes)  # fewer flops than 512³

    def test_paths_jniblas_by_default_only_where_spark_lands_and_on_request_elsewhere(self):
        by_library = {c.library.name: c.paths for c in parse("--threads", "1").configs}
        self.assertEqual(by_library["openblas"], ("c", "door", "raw", "jniblas"))
        self.assertEqual(by_library["openblas-bytedeco"], ("c", "door", "raw", "bytedeco"))
        self.assertEqual(by_library["vectorblas"], ("vectorblas",))
        asked = {c.library.name: c.paths for c in parse("--paths", "c,jniblas", "--threads", "1").configs}
        self.assertEqual(asked["blis"], ("c", "jniblas"))
        self.assertNotIn("vectorblas", asked)  # no path of its own asked for

    def test_sizes_all_and_mlp_shapes(self):
        args = parse("--sizes", "all", "--mlp", "1,1024", "--libs", "openblas")
        self.assertEqual([s.argument for s in args.configs[0].shapes][-3:], ["2048x2048x2048", "1x256x784",
                                                                             "1024x256x784"])
        self.assertEqual(len(args.configs[0].shapes), 12)
        self.assertEqual(parse("--mlp", "", "--libs", "openblas").configs[0].shapes[-1], plan.Shape(2048, 2048, 2048))

    def test_quick_shortens_timings_but_keeps_explicit_options(self):
        args = parse("--quick", "--sizes", "4,256")
        self.assertEqual(args.sizes, (4, 256))
        self.assertEqual(args.threads, (1,))
        self.assertLess(plan.estimate(args), 120)

    def test_bad_options_name_what_is_wrong(self):
        for argv, words in [(["--libs", "mkl"], "unknown library 'mkl'"), (["--paths", "cuda"], "unknown path"),
                            (["--precision", "h"], "unknown precision"), (["--libs", "reference@x"], "no kernel sets"),
                            (["--iterations", "1"], "at least 2")]:
            with self.assertRaises(SystemExit) as raised:
                parse(*argv)
            self.assertIn(words, str(raised.exception))

    def test_estimate_grows_with_slow_calls(self):
        fast = parse("--libs", "openblas", "--sizes", "4", "--mlp", "", "--threads", "1", "--precision", "s")
        slow = parse("--libs", "openblas", "--sizes", "2048", "--mlp", "", "--threads", "1", "--precision", "s")
        self.assertGreater(plan.estimate(slow), plan.estimate(fast))


if __name__ == "__main__":
    unittest.main()
