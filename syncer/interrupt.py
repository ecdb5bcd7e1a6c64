"""Ctrl-C during a poll: stop at once, but never inside a CDP database call.

A ``KeyboardInterrupt`` raised inside the SQLite driver (``cursor.executemany`` of a page
merge) left that connection holding the write lock: the poll's own clean-up (set the data source
back to *Connected*, release its lease) then waited 2 × 30 s for ``database is locked`` and failed,
leaving the source *Updating*. So while a connection of the CDP is checked out, the first Ctrl-C
is held until it is checked back in (its transaction committed or rolled back; a page merge takes
well under a second) and raised there; between database calls (an HTTP wait, a Bulk job poll) it
is raised at once. A second Ctrl-C is never held.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa


class Interrupts:
    """What :func:`between_database_calls` saw: ``by_signal`` once a real SIGINT arrived."""

    def __init__(self) -> None:
        self.checked_out = 0
        self.pending = False
        self.by_signal = False


@contextmanager
def between_database_calls(engine: sa.Engine) -> Iterator[Interrupts]:
    """Deliver Ctrl-C only while no CDP connection is checked out (main thread only)."""
    state = Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    pool = engine.pool

    def checkout(*_args) -> None:
        state.checked_out += 1

    def checkin(*_args) -> None:
        state.checked_out = max(state.checked_out - 1, 0)
        if state.pending and state.checked_out == 0 and threading.current_thread() is threading.main_thread():
            # The transaction is over (committed or rolled back) by the time the pool takes the
            # connection back: raising here leaves no lock behind.
            state.pending = False
            raise KeyboardInterrupt

    def on_sigint(_signum, _frame) -> None:
        state.by_signal = True
        if state.checked_out and not state.pending:
            state.pending = True
            return
        raise KeyboardInterrupt

    sa.event.listen(pool, "checkout", checkout)
    sa.event.listen(pool, "checkin", checkin)
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)
        sa.event.remove(pool, "checkout", checkout)
        sa.event.remove(pool, "checkin", checkin)


@contextmanager
def counted() -> Iterator[Interrupts]:
    """Ctrl-C raises ``KeyboardInterrupt`` as usual, and is remembered as a real signal."""
    state = Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def on_sigint(_signum, _frame) -> None:
        state.by_signal = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)


def exit_now(code: int, interrupts: Interrupts) -> None:
    """Exit without waiting for worker threads (a prefetch's HTTP request in flight).

    Only after a real Ctrl-C, once the poll's clean-up has run: every page is committed, the
    data source's state and lease are written, nothing is left to flush but stdout.
    """
    if interrupts.by_signal:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
