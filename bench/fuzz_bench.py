"""Bench (issue 13): the CI fuzzing run longer — ``--scale`` times as many generated requests per
route family and strategy (``FUZZ_SCALE``); prints each test's requests, statuses and problems.

Run: ``python bench/fuzz_bench.py [--scale 10]``.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=10)
    args = parser.parse_args()
    env = {**os.environ, "FUZZ_SCALE": str(args.scale),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:randomly",
                             "tests/mock_salesforce/test_fuzz.py"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    for line in result.stdout.splitlines():
        if line.startswith(("fuzz:", "FAILED", "E  ")) or " passed" in line or " failed" in line:
            print(line[:400])
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
