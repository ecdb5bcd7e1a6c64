"""``syncer``: connect a Salesforce org, sync it into the CDP, and look at the result.

A thin click layer: parse options, load the configuration, call one :class:`Syncer` operation,
print, and map errors to exit codes (1 sync/auth problem, 2 usage or configuration error).
"""
from __future__ import annotations

import shutil
import sys
import time

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

from . import config as config_module
from . import views
from .cdp.limits import ConfigurationError
from .oauth import exchange_code, receive_code
from .salesforce import Credentials, SyncError
from .service import SourceStateError, Syncer
from .sync.engine import PollSummary

TICK_SECONDS = 60  # how often ``syncer run`` looks for due data sources
# Wide when piped: tables must not truncate emails and ids in logs and files.
console = Console(width=max(shutil.get_terminal_size((200, 24)).columns, 100))


def _syncer(ctx: click.Context) -> Syncer:
    try:
        settings = config_module.load(ctx.obj["config"])
    except ConfigurationError as error:
        raise click.UsageError(str(error)) from None
    return Syncer(settings)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", default="syncer.toml", show_default=True, envvar="SYNCER_CONFIG",
              help="The configuration file (TOML).")
@click.pass_context
def main(ctx: click.Context, config_path: str) -> None:
    """Sync a Salesforce org into the customer data platform."""
    ctx.obj = {"config": config_path}


@main.group("config")
def config_group() -> None:
    """Configuration file commands."""


@config_group.command("check")
@click.pass_context
def config_check(ctx: click.Context) -> None:
    """Validate the configuration file and print what it says."""
    try:
        settings = config_module.load(ctx.parent.parent.obj["config"])
    except ConfigurationError as error:
        console.print(f"[red]invalid:[/red] {error}")
        sys.exit(2)
    console.print(f"[green]ok[/green] {ctx.parent.parent.obj['config']}: data source {settings.name!r}, "
                  f"login {settings.connection.login_url}, objects {', '.join(settings.objects)}")
    for sobject, mapping in settings.fields.items():
        console.print(f"  {sobject}: {', '.join(f'{k}→{v}' for k, v in mapping.items())}")
    for sobject, obj in settings.custom_objects.items():
        console.print(f"  custom object {sobject}: {obj.describe()}")
    console.print(f"  people: {settings.people.merge.ui_name} / {settings.people.merge.find_strategy.label}")
    console.print(f"  organizations: {settings.organizations.ui_name} / "
                  f"{settings.organizations.find_strategy.label}")
    bulk = (f"Bulk API 2.0 for first loads and backfills above {settings.bulk_threshold:,} rows"
            if settings.bulk_api else "REST only (bulk_api = false)")
    console.print(f"  polls every {settings.poll_interval_minutes:g} min through REST; {bulk}")


def _credentials(syncer: Syncer, username: str | None, password: str | None, no_browser: bool,
                 port: int | None) -> Credentials:
    connection = syncer.settings.connection
    if username:
        # The password grant: for the mock and for orgs that still allow it; not the default.
        return Credentials(instance_url=connection.login_url, login_url=connection.login_url,
                           client_id=connection.client_id, client_secret=connection.client_secret,
                           username=username, password=password)
    code, redirect_uri, pkce = receive_code(connection.login_url, connection.client_id,
                                            connection.callback_port if port is None else port,
                                            open_browser=not no_browser, announce=console.print)
    return exchange_code(syncer.session_factory(), connection.login_url, connection.client_id,
                         connection.client_secret, code, redirect_uri, pkce)


def _connect_options(function):
    function = click.option("--no-browser", is_flag=True, help="Print the login URL instead of opening a browser.")(function)
    function = click.option("--port", type=int, help="Loopback port for the OAuth callback (config: callback_port).")(function)
    function = click.option("--username", help="Use the password grant with this user (the mock, dev orgs).")(function)
    return click.option("--password", help="Password (+ security token) for --username.")(function)


@main.command()
@_connect_options
@click.pass_context
def connect(ctx, no_browser, port, username, password) -> None:
    """Connect a new data source: log in to Salesforce and click Allow."""
    with _handled(ctx) as syncer:
        source = syncer.connect(_credentials(syncer, username, password, no_browser, port))
        console.print(f"Connected data source {source.id} ({source.name}, org {source.org_id}).")


@main.command()
@click.option("--source", "source_id", type=int, help="Data source id.")
@_connect_options
@click.pass_context
def reconnect(ctx, source_id, no_browser, port, username, password) -> None:
    """Re-authorize a data source; the next poll imports only what changed since its cursor."""
    with _handled(ctx) as syncer:
        source = syncer.source(source_id)
        syncer.connect(_credentials(syncer, username, password, no_browser, port), source.id)
        console.print(f"Reconnected data source {source.id}.")


@main.command()
@click.option("--source", "source_id", type=int, help="Data source id.")
@click.pass_context
def sync(ctx, source_id) -> None:
    """Run one poll now (the initial sync of a new data source)."""
    with _handled(ctx) as syncer:
        summary = _poll(syncer, source_id)
        if summary.outcome == "needs-attention":
            sys.exit(1)


@main.command()
@click.option("--source", "source_id", type=int, help="Data source id.")
@click.pass_context
def backfill(ctx, source_id) -> None:
    """Pull every record matching the current filters once (resumable; polls go on meanwhile)."""
    with _handled(ctx) as syncer:
        source = syncer.source(source_id)
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      console=console, transient=True, disable=not console.is_terminal) as bar:
            task = bar.add_task("backfill", total=100)

            def advance(stream: str, count: int) -> None:
                bar.update(task, completed=syncer.backfill_percent(source.id) or 0,
                           description=f"backfill {stream}")

            summary = syncer.backfill(source.id, progress=advance)
        _print_summary(summary)
        if summary.outcome != "ok":
            sys.exit(1)


@main.command()
@click.option("--once", is_flag=True, help="Poll every connected source once, then exit.")
@click.pass_context
def run(ctx, once) -> None:
    """Poll every connected data source every poll interval (15 minutes by default).

    It wakes up every minute and polls the data sources that are due, so each keeps its own
    cadence. Several workers may share one PostgreSQL CDP: each data source is polled by one at
    a time.
    """
    with _handled(ctx) as syncer:
        while True:
            for source_id, summary in syncer.run_due().items():
                console.print(f"data source {source_id}:")
                _print_summary(summary)
            if once:
                return
            time.sleep(min(TICK_SECONDS, syncer.settings.poll_interval_minutes * 60))


def _poll(syncer: Syncer, source_id: int | None) -> PollSummary:
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console,
                  transient=True, disable=not console.is_terminal) as progress:
        tasks: dict[str, int] = {}

        def advance(stream: str, count: int) -> None:
            if stream not in tasks:
                tasks[stream] = progress.add_task(stream, total=None)
            done = progress.tasks[tasks[stream]].completed + count
            progress.update(tasks[stream], completed=done, description=f"{stream}: {done} records")

        summary = syncer.sync(source_id, progress=advance)
    _print_summary(summary)
    return summary


def _print_summary(summary: PollSummary) -> None:
    console.print(views.summary_table(summary))
    console.print(f"API calls: {summary.api_calls}")


@main.command()
@click.pass_context
def status(ctx) -> None:
    """Data sources: state, cursors, counts."""
    with _handled(ctx) as syncer:
        console.print(views.status_table(syncer))


@main.command()
@click.option("--source", "source_id", type=int)
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def people(ctx, source_id, limit) -> None:
    """The audience: people imported from a data source."""
    with _handled(ctx) as syncer:
        console.print(views.people_table(syncer, source_id, limit))


@main.command()
@click.option("--source", "source_id", type=int)
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def organizations(ctx, source_id, limit) -> None:
    """Organizations imported from a data source."""
    with _handled(ctx) as syncer:
        console.print(views.organizations_table(syncer, source_id, limit))


@main.command()
@click.option("--source", "source_id", type=int)
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def activities(ctx, source_id, limit) -> None:
    """The activity feed of a data source."""
    with _handled(ctx) as syncer:
        console.print(views.activities_table(syncer, source_id, limit))


@main.command()
@click.option("--source", "source_id", type=int)
@click.pass_context
def outbound(ctx, source_id) -> None:
    """Send the chosen CDP activities to Salesforce as completed Tasks (separate from the sync)."""
    with _handled(ctx) as syncer:
        summary = syncer.outbound(source_id)
        console.print(f"sent {summary.sent}, recovered {summary.recovered}, failed {summary.failed}")
        for error in summary.errors or []:
            console.print(f"  [red]{error}[/red]")
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
    with _handled(ctx) as syncer:
        client = syncer.salesforce(source_id)
        target = lambda sf: getattr(sf, sobject)  # noqa: E731
        if action == "create":
            result = client.call(lambda sf: target(sf).create(fields))
            console.print(f"created {sobject} {result['id']}")
        elif action == "update":
            if not record_id:
                raise click.UsageError("update needs --id")
            client.call(lambda sf: target(sf).update(record_id, fields))
            console.print(f"updated {sobject} {record_id}")
        else:
            if not key:
                raise click.UsageError("upsert needs --key FIELD=VALUE")
            field, value = _pair(key)
            status = client.call(lambda sf: target(sf).upsert(f"{field}/{value}", fields))
            console.print(f"{'created' if status == 201 else 'updated'} {sobject} {field}={value}")


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
    with _handled(ctx) as syncer:
        try:
            click.echo(render_template(template.read(), context(syncer.cdp, email)))
        except TemplateError as error:
            console.print(f"[red]template error:[/red] {error}")
            sys.exit(1)


@main.command()
@click.option("--source", "source_id", type=int)
@click.pass_context
def disconnect(ctx, source_id) -> None:
    """Stop syncing; keep every person, organization and activity (and the cursors)."""
    with _handled(ctx) as syncer:
        source = syncer.disconnect(source_id)
        console.print(f"Data source {source.id} disconnected; its CDP data stays.")


@main.command()
@click.option("--source", "source_id", type=int)
@click.confirmation_option(prompt="Delete the connection, its hidden Salesforce ids and cursors?")
@click.pass_context
def delete(ctx, source_id) -> None:
    """Delete a disconnected data source (people and activities stay in the CDP)."""
    with _handled(ctx) as syncer:
        source = syncer.delete(source_id)
        console.print(f"Data source {source.id} deleted.")


@main.command()
@click.argument("name")
@click.option("--source", "source_id", type=int)
@click.pass_context
def rename(ctx, name, source_id) -> None:
    """Rename a data source (Salesforce is not touched)."""
    with _handled(ctx) as syncer:
        source = syncer.rename(name, source_id)
        console.print(f"Data source {source.id} is now {source.name!r}.")


class _handled:
    """Open a Syncer for a command and turn known errors into messages and exit codes."""

    def __init__(self, ctx: click.Context) -> None:
        self.ctx = ctx

    def __enter__(self) -> Syncer:
        self.syncer = _syncer(self.ctx)
        return self.syncer

    def __exit__(self, kind, error, traceback) -> bool:
        self.syncer.close()
        if isinstance(error, (SyncError, SourceStateError, LookupError)):
            console.print(f"[red]error:[/red] {error}")
            sys.exit(1)
        if isinstance(error, ConfigurationError):
            console.print(f"[red]configuration error:[/red] {error}")
            sys.exit(2)
        return False


if __name__ == "__main__":
    main()
