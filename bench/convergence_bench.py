"""The convergence property, long run (issue 15): many random sequences of org changes per
merge strategy × key strategy, each poll compared with a fresh sync (not a timed test).

    python bench/convergence_bench.py [--sequences 1000] [--steps 20] [--seed 0]
                                      [--only overwrite/previous-key-empty,...] [--no-shrink]

``--sequences`` is the total over the chosen cells (split evenly; all ten by default). Prints, per
cell and in total, the sequences, steps and polls run, and the first failing sequence (shrunk)
if there is one. The CI version is ``tests/syncer/convergence/test_convergence.py``.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "syncer")]

from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from hypothesis.stateful import run_state_machine_as_test  # noqa: E402

from convergence.harness import GRID  # noqa: E402
from convergence.machine import ConvergenceMachine  # noqa: E402
from mock_salesforce.config import MockConfig  # noqa: E402
from mock_salesforce.server import MockServer  # noqa: E402
from mock_salesforce.tls import bundle_with_system_cas  # noqa: E402


class Counting(ConvergenceMachine):
    """Counts sequences, steps and polls across every run."""

    totals = {"sequences": 0, "steps": 0, "polls": 0}

    def teardown(self) -> None:
        try:
            super().teardown()
        finally:
            Counting.totals["sequences"] += 1
            Counting.totals["steps"] += len(self.steps)
            Counting.totals["polls"] += self.polls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", help="cells, comma-separated, e.g. overwrite/any-key")
    parser.add_argument("--no-shrink", action="store_true",
                        help="report a failing sequence as found (faster when hunting)")
    args = parser.parse_args()
    wanted = set(args.only.split(",")) if args.only else None
    grid = [cell for cell in GRID if wanted is None or "/".join(cell) in wanted]
    per_cell = max(1, args.sequences // len(grid))
    data = Path(tempfile.mkdtemp(prefix="converge-bench-"))
    config = MockConfig(data_dir=data, db_url=str(data / "org.db"), password="mock-password",
                        client_secret="mock-client-secret", control_secret="mock-control-secret",
                        callback_urls=["http://127.0.0.1:8765/callback"])
    failures = 0
    with MockServer(config) as server:
        server.ca_bundle = bundle_with_system_cas(server.ca_path, data / "ca-bundle.pem")
        import os
        os.environ["REQUESTS_CA_BUNDLE"] = str(server.ca_bundle)
        for strategy, key in grid:
            before = dict(Counting.totals)
            started = time.monotonic()
            machine = Counting.configure(server, strategy, key)
            phases = [Phase.explicit, Phase.generate] if args.no_shrink else list(Phase)
            run = settings(max_examples=per_cell, stateful_step_count=args.steps,
                           derandomize=False, deadline=None, database=None, phases=phases,
                           suppress_health_check=list(HealthCheck))
            outcome = "no difference"
            try:
                import random
                random.seed(args.seed)
                from hypothesis import seed
                seed(args.seed)(run_state_machine_as_test)(machine, settings=run)
            except AssertionError as error:
                failures += 1
                outcome = f"DIFFERENCE:\n{error}"
            except Exception as error:  # noqa: BLE001 - a broken machine is reported, the run goes on
                failures += 1
                outcome = f"ERROR: {type(error).__name__}: {error}"
            done = {k: Counting.totals[k] - before[k] for k in before}
            print(f"{strategy:30} {key:20} sequences {done['sequences']:5}  steps {done['steps']:6}  "
                  f"polls {done['polls']:5}  {time.monotonic() - started:6.0f} s  {outcome}", flush=True)
    t = Counting.totals
    print(f"total: sequences {t['sequences']}, steps {t['steps']}, polls {t['polls']} "
          f"(each poll compared with a fresh sync); {failures} cell(s) with a difference")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
