#!/usr/bin/python3
"""Renders one section of BENCHMARKS.md from raw JSON; bench/report calls it after each run.

    bench/render/render.py SECTION --out FILE.md [--command CMD]... [--started T] [--finished T] [--quick] JSON...

SECTION is one of machine, kernels, optimizer, trainstep, batches, predictor (one module each beside this file,
with TITLE, MEASURED and body(results); the gemm section has its own renderer, gemm.py, which bench/gemm-report
calls); JSON are JMH's `-rf json` files (for machine: machine.json and
gatun-info.json). --command, once per command, is the exact command line that wrote the JSON, as bench/report
ran it; --started and --finished are the run's UTC times ("YYYY-MM-DD HH:MM UTC"); --quick marks a smoke run.
A figure the JSON lacks is printed as "—" and listed under its table: a missing benchmark, param or file never
stops the rendering. Prints one line: the file written and how many figures were missing.

Try it on the last results: bench/render/render.py kernels --out /tmp/kernels.md bench/results/kernels.json
Tests: /usr/bin/python3 -m unittest discover bench/render
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import batches  # noqa: E402
import jmh  # noqa: E402
import kernels  # noqa: E402
import machine  # noqa: E402
import optimizer  # noqa: E402
import page  # noqa: E402
import predictor  # noqa: E402
import trainstep  # noqa: E402

SECTIONS = {"machine": machine, "kernels": kernels, "optimizer": optimizer, "trainstep": trainstep,
            "batches": batches, "predictor": predictor}


def render(section, paths, commands=(), started=None, finished=None, quick=False):
    """(markdown text, the figures missing from the JSON)."""
    module = SECTIONS[section]
    results = jmh.Results(paths)
    lines = page.head(module.TITLE, module.MEASURED, started, finished, quick)
    lines += module.body(results)
    lines += page.missing(results)  # anything a section looked up after its last table
    lines += page.provenance(results, commands)
    return "\n".join(lines), results.missing


def _arguments():
    p = argparse.ArgumentParser(prog="bench/render/render.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("section", choices=sorted(SECTIONS))
    p.add_argument("json", nargs="+", help="the raw JSON files")
    p.add_argument("--out", required=True, help="the markdown file to write")
    p.add_argument("--command", action="append", default=[], help="a command that wrote the JSON (repeatable)")
    p.add_argument("--started", help="UTC start of the run, YYYY-MM-DD HH:MM UTC")
    p.add_argument("--finished", help="UTC finish of the run")
    p.add_argument("--quick", action="store_true", help="mark the section as a smoke run")
    return p.parse_intermixed_args()


def main():
    args = _arguments()
    text, missing = render(args.section, args.json, args.command, args.started, args.finished, args.quick)
    with open(args.out, "w") as f:
        f.write(text)
    print(f"wrote {args.out}" + (f" ({len(missing)} figure{'s' * (len(missing) != 1)} missing from the JSON)"
                                 if missing else ""))


if __name__ == "__main__":
    main()
