"""``syncer``: connect a Salesforce org, sync it into the CDP, and look at the result.

A thin click layer: parse options, load the configuration, call one :class:`Syncer` operation,
print, and map errors to exit codes (1 sync/auth problem, 2 usage or configuration error, 130
interrupted). Heavy modules (SQLAlchemy, requests, simple-salesforce) are imported inside the
commands, so ``syncer --help`` and typos answer at once.
"""
from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

import click

from . import terminal
from .cli_setup import COMMANDS as SETUP_COMMANDS
from .terminal import INTERRUPTED, PROBLEM, escape, fail, handled, say

if TYPE_CHECKING:
    from .service import Syncer
    from .sync.engine import PollSummary

TICK_SECONDS = 60  # how often ``syncer run`` looks for due data sources


class _Commands(click.Group):
    """The ``syncer`` group: Ctrl-C anywhere in a command is one line and exit code 130."""

    def invoke(self, ctx: click.Context):
        from .interrupt import counted, exit_now
        with counted() as interrupts:
            try:
                return super().invoke(ctx)
            except KeyboardInterrupt:
                say("[yellow]interrupted[/yellow]")
                exit_now(INTERRUPTED, interrupts)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", default="syncer.toml", show_default=True, envvar="SYNCER_CONFIG",
              help="The configuration file (TOML).")
@click.pass_context
def main(ctx: click.Context, config_path: str) -> None:
    """Sync a Salesforce org into the customer data platform."""
    ctx.obj = {"config": config_path}


for _command in SETUP_COMMANDS:
    main.add_command(_command)


@main.command()
@click.option("--source", "source_id", type=int, help="Data source id.")
@click.pass_context
def sync(ctx, source_id) -> None:
    """Run one poll now (the initial sync of a new data source); Ctrl-C stops it safely."""
    with handled(ctx) as syncer:
        summary = _poll(syncer, source_id, resume=f"syncer sync{_source_flag(source_id)}")
        if summary.outcome == "needs-attention":
            sys.exit(PROBLEM)


@main.command()
@click.option("--source", "source_id", type=int, help="Data source id.")
@click.pass_context
def backfill(ctx, source_id) -> None:
    """Pull every record matching the current filters once (resumable; polls go on meanwhile)."""
    with handled(ctx) as syncer:
        source = syncer.source(source_id)
        with _views().progress_bar() as bar:
            task = bar.add_task("backfill", total=None)

            def advance(stream: str, count: int) -> None:
                done, total = syncer.backfill_counts(source.id)
                bar.update(task, completed=done, total=total or None, description=f"backfill {stream}")

            with _interruptible(syncer, f"syncer backfill{_source_flag(source_id)}"):
                summary = syncer.backfill(source.id, progress=advance)
        _print_summary(summary)
        if summary.outcome != "ok":
            sys.exit(PROBLEM)


@main.command()
@click.option("--once", is_flag=True, help="Poll every connected source that is due once, then exit.")
@click.pass_context
def run(ctx, once) -> None:
    """Poll every connected data source every poll interval (15 minutes by default).

    It wakes up every minute and polls the data sources that are due, so each keeps its own
    cadence. Several workers may share one PostgreSQL CDP: each data source is polled by one at
    a time.
    """
    with handled(ctx) as syncer:
        interval = syncer.settings.poll_interval_minutes
        if not once:
            say(f"Polling every {interval:g} min; Ctrl-C stops (a poll in flight keeps its committed pages).")
        while True:
            with _interruptible(syncer, "syncer run"):
                polled = syncer.run_due()
            for source_id, summary in polled.items():
                say(f"data source {source_id}:")
                _print_summary(summary)
            say(escape(_views().run_report(syncer, polled)))
            if once:
                return
            with _interruptible(syncer, "syncer run"):
                time.sleep(min(TICK_SECONDS, interval * 60))


def _source_flag(source_id: int | None) -> str:
    return f" --source {source_id}" if source_id is not None else ""


class _interruptible:
    """Ctrl-C stops the work between two database calls, then one line says what is kept and
    how to resume, and the command exits 130 (see :mod:`syncer.interrupt`).

    The poll itself (its ``finally`` blocks) has put the data source back to its state and
    released its lease by the time the interrupt reaches here.
    """

    def __init__(self, syncer: Syncer, resume: str) -> None:
        from .interrupt import between_database_calls
        self.resume = resume
        self.guard = between_database_calls(syncer.cdp.engine)

    def __enter__(self) -> None:
        self.interrupts = self.guard.__enter__()

    def __exit__(self, kind, error, traceback) -> bool:
        from .interrupt import exit_now
        self.guard.__exit__(kind, error, traceback)
        if isinstance(error, KeyboardInterrupt):
            say(f"[yellow]interrupted[/yellow]: every page committed so far is kept; "
                f"run {escape(self.resume)} to resume after the last one.")
            exit_now(INTERRUPTED, self.interrupts)
        return False


def _poll(syncer: Syncer, source_id: int | None, resume: str) -> PollSummary:
    """One poll with a bar per stream: records read of the ``COUNT()`` when one was taken."""
    with _views().progress_bar() as progress:
        tasks: dict[str, int] = {}

        def task(stream: str) -> int:
            if stream not in tasks:
                tasks[stream] = progress.add_task(stream, total=None)
            return tasks[stream]

        def advance(stream: str, count: int) -> None:
            progress.advance(task(stream), count)

        def total(stream: str, count: int) -> None:
            progress.update(task(stream), total=count)

        with _interruptible(syncer, resume):
            summary = syncer.sync(source_id, progress=advance, total=total)
    _print_summary(summary)
    return summary


def _print_summary(summary: PollSummary) -> None:
    say_object(_views().summary_table(summary))
    say(f"API calls: {summary.api_calls}")


def _views():
    from . import views  # rich tables and SQLAlchemy counts: loaded by the commands that show them
    return views


def say_object(renderable) -> None:
    """Print a table (its cells are literal text)."""
    terminal.console().print(renderable)


@main.command()
@click.pass_context
def status(ctx) -> None:
    """Data sources: state, cursors, counts."""
    with handled(ctx) as syncer:
        say_object(_views().status_table(syncer))


@main.command()
@click.option("--source", "source_id", type=int)
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def people(ctx, source_id, limit) -> None:
    """The audience: people imported from a data source."""
    with handled(ctx) as syncer:
        say_object(_views().people_table(syncer, source_id, limit))


@main.command()
@click.option("--source", "source_id", type=int)
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def organizations(ctx, source_id, limit) -> None:
    """Organizations imported from a data source."""
    with handled(ctx) as syncer:
        say_object(_views().organizations_table(syncer, source_id, limit))


@main.command()
@click.option("--source", "source_id", type=int)
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def activities(ctx, source_id, limit) -> None:
    """The activity feed of a data source."""
    with handled(ctx) as syncer:
        say_object(_views().activities_table(syncer, source_id, limit))


@main.command()
@click.option("--source", "source_id", type=int)
@click.pass_context
def outbound(ctx, source_id) -> None:
    """Send the chosen CDP activities to Salesforce as completed Tasks (separate from the sync)."""
    with handled(ctx) as syncer:
        summary = syncer.outbound(source_id)
        say(f"sent {summary.sent}, recovered {summary.recovered}, failed {summary.failed}")
        for error in summary.errors or []:
            say(f"  [red]{escape(error)}[/red]")
        if summary.failed:
            sys.exit(1)


JOURNEY_OBJECTS = ("Account", "Campaign", "CampaignMember", "Contact", "Lead", "Opportunity", "Task")


@main.command("sf")
@click.argument("action", type=click.Choice(["create", "update", "upsert"]))
@click.argument("sobject", type=click.Choice(JOURNEY_OBJECTS))
@click.option("--set", "values", multiple=True, metavar="FIELD=VALUE", help="A field value (repeatable).")
@click.option("--id", "record_id", help="The record to update.")
@click.option("--key", help="FIELD=VALUE external id to upsert on.")
@click.option("--source", "source_id", type=int)
@click.pass_context
def sf_action(ctx, action, sobject, values, record_id, key, source_id) -> None:
    """Journey-style Salesforce actions: create, update or create-or-update a record."""
    fields = dict(_pair(v) for v in values)
    with handled(ctx) as syncer:
        client = syncer.salesforce(source_id)
        target = lambda sf: getattr(sf, sobject)  # noqa: E731
        if action == "create":
            result = client.call(lambda sf: target(sf).create(fields))
            say(f"created {sobject} {result['id']}")
        elif action == "update":
            if not record_id:
                raise click.UsageError("update needs --id")
            client.call(lambda sf: target(sf).update(record_id, fields))
            say(f"updated {sobject} {escape(record_id)}")
        else:
            if not key:
                raise click.UsageError("upsert needs --key FIELD=VALUE")
            field, value = _pair(key)
            status = client.call(lambda sf: target(sf).upsert(f"{field}/{value}", fields))
            say(f"{'created' if status == 201 else 'updated'} {sobject} {escape(field)}={escape(value)}")


def _pair(text: str) -> tuple[str, str]:
    field, sep, value = text.partition("=")
    if not sep or not field:
        raise click.UsageError(f"expected FIELD=VALUE, not {text!r}")
    return field.strip(), value


@main.command()
@click.argument("template", type=click.File("r"))
@click.option("--person", "email", required=True, help="Email of the person to render for.")
@click.pass_context
def render(ctx, template, email) -> None:
    """Render a Liquid template with a person's Salesforce fields and activity attributes."""
    from .render import TemplateError, context, render as render_template
    with handled(ctx) as syncer:
        try:
            click.echo(render_template(template.read(), context(syncer.cdp, email)))
        except TemplateError as error:
            fail("template error", error, PROBLEM)


@main.command()
@click.option("--source", "source_id", type=int)
@click.pass_context
def disconnect(ctx, source_id) -> None:
    """Stop syncing; keep every person, organization and activity (and the cursors)."""
    with handled(ctx) as syncer:
        source = syncer.disconnect(source_id)
        say(f"Data source {source.id} disconnected; its CDP data stays.")


@main.command()
@click.option("--source", "source_id", type=int)
@click.confirmation_option(prompt="Delete the connection, its hidden Salesforce ids and cursors?")
@click.pass_context
def delete(ctx, source_id) -> None:
    """Delete a disconnected data source (people and activities stay in the CDP)."""
    with handled(ctx) as syncer:
        source = syncer.delete(source_id)
        say(f"Data source {source.id} deleted.")


@main.command()
@click.argument("name")
@click.option("--source", "source_id", type=int)
@click.pass_context
def rename(ctx, name, source_id) -> None:
    """Rename a data source (Salesforce is not touched)."""
    with handled(ctx) as syncer:
        source = syncer.rename(name, source_id)
        say(f"Data source {source.id} is now {escape(repr(source.name))}.")


if __name__ == "__main__":
    main()
