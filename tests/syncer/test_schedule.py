"""Scheduling (rule 35): each connected data source is polled once per interval, by the syncer's clock."""
from datetime import datetime, timedelta, timezone

import pytest

from syncer.service import is_due

from configs import connected

TEN = datetime(2030, 5, 1, 10, 0, tzinfo=timezone.utc)
QUARTER = timedelta(minutes=15)


def test_never_polled_is_due():
    assert is_due(None, TEN, QUARTER)


@pytest.mark.parametrize("minutes,due", [(0, False), (10, False), (14.9, False), (15, True), (40, True)])
def test_due_once_the_interval_has_passed(minutes, due):
    assert is_due(TEN, TEN + timedelta(minutes=minutes), QUARTER) is due


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock(TEN)


@pytest.fixture
def syncer(salesforce_org, tmp_path, clock):
    service = connected(salesforce_org, tmp_path, clock=clock, sync={"poll_interval_minutes": 15})
    yield service
    service.close()


def test_run_due_polls_by_the_syncer_clock(syncer, clock):
    assert list(syncer.run_due()) == [1]
    clock.now = TEN + timedelta(minutes=10)
    assert syncer.run_due() == {}
    clock.now = TEN + QUARTER
    assert list(syncer.run_due()) == [1]


def test_a_poll_records_when_it_started_by_the_syncer_clock(syncer, clock):
    syncer.sync()
    assert syncer.last_poll(syncer.source()) == TEN


def test_a_disconnected_source_is_not_due(syncer, clock):
    syncer.disconnect()
    assert syncer.run_due() == {}


def test_a_poll_holds_the_lease_so_another_worker_skips_the_source(syncer, clock):
    from syncer.cdp import sources
    from syncer.service import SourceBusy
    assert sources.claim(syncer.cdp, 1, "other-host:42", ttl=timedelta(minutes=30))
    with pytest.raises(SourceBusy):
        syncer.sync()
    assert syncer.run_due() == {}
    sources.release(syncer.cdp, 1, "other-host:42")
    assert list(syncer.run_due()) == [1]


def test_a_source_left_updating_by_a_dead_poll_is_polled_once_its_lease_lapses(syncer, clock):
    from syncer.cdp import sources
    sources.claim(syncer.cdp, 1, "dead-worker:7", ttl=timedelta(minutes=30))
    syncer.cdp.update_data_source(1, state="Updating")   # killed mid-poll: state and lease left behind
    assert syncer.run_due() == {}
    sources.claim(syncer.cdp, 1, "dead-worker:7", ttl=timedelta(seconds=-1))  # the lease lapses
    assert list(syncer.run_due()) == [1]
    assert syncer.source().state == "Connected"
    assert sources.claim(syncer.cdp, 1, "next-worker:8", ttl=timedelta(minutes=1))  # released after the poll


def test_a_lease_of_a_dead_process_on_this_host_is_taken_over(syncer, clock):
    import socket
    import subprocess
    import sys
    from syncer.cdp import sources
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    sources.claim(syncer.cdp, 1, f"{socket.gethostname()}:{gone}:1", ttl=timedelta(minutes=30))
    assert list(syncer.run_due()) == [1]
