#!/usr/bin/python3
"""Prints the machine facts as one JSON object: bench/report keeps them as machine.json for the machine section.

    bench/render/machine_facts.py > bench/results/machine.json

The facts are the comparison harness's (bench/compare/harness/machine.py), so both reports describe the machine
alike. Loaded by path: this directory has a machine.py of its own (the section that renders them).
"""
import importlib.util
import json
import os

HARNESS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "compare", "harness", "machine.py")


def main():
    spec = importlib.util.spec_from_file_location("compare_machine", HARNESS)
    machine = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(machine)
    print(json.dumps(machine.facts(), indent=1))


if __name__ == "__main__":
    main()
