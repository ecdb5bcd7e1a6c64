"""The convergence property in CI: for every merge strategy × key strategy, random org changes
with polls in between leave the CDP equal to a fresh sync (``harness.compare``)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from .harness import GRID
from .machine import ConvergenceMachine

#: Bounded for CI (derandomized: the same sequences every run); bench/convergence_bench.py runs
#: the long version.
CI = settings(max_examples=2, stateful_step_count=8, derandomize=True, deadline=None,
              database=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("strategy,key", GRID)
def test_an_incremental_cdp_equals_a_fresh_sync(salesforce_org, strategy, key):
    run_state_machine_as_test(ConvergenceMachine.configure(salesforce_org, strategy, key),
                              settings=CI)
