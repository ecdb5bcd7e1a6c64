"""What the syncer's commands print, and how a failure becomes one line and an exit code.

Salesforce data is never read as rich markup or emoji codes: a contact named ``[/red]`` is
printed as typed, ``Acme [legacy]`` keeps its tail, ``str:o:name`` stays text (``:o:`` is an
emoji code). Tables hold :class:`rich.text.Text` cells; messages that carry data go through
:func:`escape`. Imports stay light here: ``syncer --help`` loads neither SQLAlchemy nor requests.
"""
from __future__ import annotations

import gc
import shutil
import sys
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .service import Syncer

CONFIGURATION = 2  # exit code: the configuration (file, options, environment) needs a fix
PROBLEM = 1        # exit code: a sync or authorization problem; the message says which
INTERRUPTED = 130  # exit code after Ctrl-C, as shells report SIGINT


def open_syncer(config_path: str) -> Syncer:
    """The Syncer of a configuration file (loaded, validated, its CDP opened)."""
    from . import config
    from .service import Syncer
    return Syncer(config.load(config_path))


@cache
def console():
    """The one console of a command: no markup or emoji read from data, wide when piped."""
    from rich.console import Console
    # Wide when piped: tables must not truncate emails and ids in logs and files.
    return Console(width=max(shutil.get_terminal_size((200, 24)).columns, 100), emoji=False)


def escape(value: object) -> str:
    """``value`` as literal text inside a rich markup string."""
    from rich.markup import escape as rich_escape
    return rich_escape(str(value))


def say(markup: str) -> None:
    """Print a line of (trusted) markup; interpolate data through :func:`escape`."""
    console().print(markup)


def fail(kind: str, message: object, code: int) -> None:
    """Print ``kind: message`` on one line and exit with ``code``."""
    console().print(f"[red]{kind}:[/red] {escape(message)}", soft_wrap=True)
    sys.exit(code)


class handled:
    """Open a Syncer for a command and turn known errors into one line and an exit code.

    While the command runs, what exists once its Syncer is open — the modules, SQLAlchemy's
    tables and caches, the settings, ~100,000 objects — is kept out of the cyclic collector's
    reach (``gc.freeze``): every full collection a sync triggers would walk them all again
    (0.1–0.2 s of CPU per 100,000 records synced, measured). They are handed back when the
    command ends (``gc.unfreeze``), so a process running many commands (the tests) frees them.
    """

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.syncer: Syncer | None = None

    def __enter__(self) -> Syncer:
        try:
            self.syncer = open_syncer(self.ctx.find_root().obj["config"])
            gc.freeze()
        except Exception as error:  # noqa: BLE001 - mapped (or re-raised) by the one table below
            if not self.__exit__(type(error), error, None):
                raise
        return self.syncer

    def __exit__(self, kind, error, traceback) -> bool:
        if self.syncer is not None:
            self.syncer.close()
            gc.unfreeze()
        if not isinstance(error, Exception):  # done, or Ctrl-C / exit: nothing to map
            return False
        import sqlalchemy.exc
        from .config_error import ConfigurationError
        from .salesforce import SyncError
        from .service import SourceStateError
        if isinstance(error, ConfigurationError):
            fail("configuration error", error, CONFIGURATION)
        if isinstance(error, (SyncError, SourceStateError, LookupError)):
            fail("error", error, PROBLEM)
        if isinstance(error, sqlalchemy.exc.OperationalError):
            fail("CDP database error", str(getattr(error, "orig", error)).splitlines()[0], PROBLEM)
        return False
