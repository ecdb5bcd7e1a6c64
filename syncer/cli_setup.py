"""``syncer config init|check``, ``connect`` and ``reconnect``: the first hour's commands.

``config init`` writes a minimal working configuration (for the mock: the URL, CA and client
id/secret its banner prints); ``connect`` says what it waits for, prints the authorize URL on a
line of its own, accepts the pasted redirect address where no browser can reach this machine,
asks for a missing password, and refuses a second data source for an org already connected
unless ``--another`` is given. Registered on the ``syncer`` group by :mod:`syncer.cli`.
"""
from __future__ import annotations

import sys

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .terminal import CONFIGURATION, PROBLEM, escape, fail, say

if TYPE_CHECKING:
    from .salesforce import Credentials
    from .service import Syncer


@click.group("config")
def config_group() -> None:
    """Configuration file commands."""


@config_group.command("check")
@click.pass_context
def config_check(ctx: click.Context) -> None:
    """Validate the configuration file and print what it says."""
    from . import config as config_module
    from .config_error import ConfigurationError
    path = ctx.find_root().obj["config"]
    try:
        settings = config_module.load(path)
    except ConfigurationError as error:
        fail("invalid", error, CONFIGURATION)
    say(f"[green]ok[/green] {escape(path)}: data source {escape(repr(settings.name))}, "
        f"login {escape(settings.connection.login_url)}, objects {escape(', '.join(settings.objects))}")
    for sobject, mapping in settings.fields.items():
        say(f"  {sobject}: {escape(', '.join(f'{k}→{v}' for k, v in mapping.items()))}")
    for sobject, obj in settings.custom_objects.items():
        say(f"  custom object {escape(sobject)}: {escape(obj.describe())}")
    say(f"  people: {settings.people.merge.ui_name} / {settings.people.merge.find_strategy.label}")
    say(f"  organizations: {settings.organizations.ui_name} / {settings.organizations.find_strategy.label}")
    bulk = (f"Bulk API 2.0 for first loads and backfills above {settings.bulk_threshold:,} rows"
            if settings.bulk_api else "REST only (bulk_api = false)")
    say(f"  polls every {settings.poll_interval_minutes:g} min through REST; {bulk}")


@config_group.command("init")
@click.option("--login-url", prompt="Salesforce login URL (the mock: its banner's login URL)",
              default="https://login.salesforce.com", help="Login host, My Domain, or the mock's URL.")
@click.option("--client-id", prompt="Connected app client id (consumer key)", help="The connected app's consumer key.")
@click.option("--client-secret", prompt="Connected app client secret", hide_input=True,
              help="The connected app's consumer secret.")
@click.option("--ca-bundle", prompt="CA bundle to trust (the mock's banner prints it; empty: the system's)",
              default="", show_default=False, help="PEM file of the CA to trust (the mock's local CA).")
@click.option("--cdp-url", default="sqlite:///cdp.db", show_default=True, help="The CDP database (SQLAlchemy URL).")
@click.option("--name", default="Salesforce", show_default=True, help="The data source's name.")
@click.option("--force", is_flag=True, help="Overwrite an existing configuration file.")
@click.pass_context
def config_init(ctx, login_url, client_id, client_secret, ca_bundle, cdp_url, name, force) -> None:
    """Write a minimal working configuration file (options, or answer the prompts)."""
    from . import config as config_module
    from .config_error import ConfigurationError
    path = Path(ctx.find_root().obj["config"])
    if path.exists() and not force:
        fail("configuration error", f"{path} exists; edit it, or pass --force to overwrite it", CONFIGURATION)
    if ca_bundle:
        ca_bundle = str(Path(ca_bundle).expanduser().resolve())  # works from any folder
    text = config_module.starter(name=name, login_url=login_url, client_id=client_id,
                                 client_secret=client_secret, ca_bundle=ca_bundle or None, cdp_url=cdp_url)
    try:
        config_module.from_dict(config_module.tomllib.loads(text), base=path.parent)
        path.write_text(text)
        path.chmod(0o600)  # it holds the client secret
    except ConfigurationError as error:
        fail("configuration error", error, CONFIGURATION)
    except OSError as error:
        fail("configuration error", f"cannot write {path}: {error.strerror or error}", CONFIGURATION)
    say(f"[green]wrote[/green] {escape(path)} (login {escape(login_url)}, CDP {escape(cdp_url)}).")
    say("Next: syncer connect   (or, for the mock and dev orgs: syncer connect --username USER)")


def _password_grant(syncer: Syncer, username: str, password: str | None) -> Credentials:
    from .salesforce import Credentials
    connection = syncer.settings.connection
    if password is None:
        password = click.prompt(f"Password (+ security token) for {username}", hide_input=True)
    # The password grant: for the mock and for orgs that still allow it; not the default.
    return Credentials(instance_url=connection.login_url, login_url=connection.login_url,
                       client_id=connection.client_id, client_secret=connection.client_secret,
                       username=username, password=password)


def _credentials(syncer: Syncer, username: str | None, password: str | None, no_browser: bool,
                 port: int | None) -> Credentials:
    from .oauth import exchange_code, receive_code
    if username:
        return _password_grant(syncer, username, password)
    connection = syncer.settings.connection
    code, redirect_uri, pkce = receive_code(
        connection.login_url, connection.client_id, connection.callback_port if port is None else port,
        open_browser=not no_browser, announce=click.echo, paste=lambda: sys.stdin.readline())
    return exchange_code(syncer.session_factory(), connection.login_url, connection.client_id,
                         connection.client_secret, code, redirect_uri, pkce)


def explain_auth(error, settings, password_grant: bool) -> None:
    """Exit with the setting to fix when Salesforce refused the client or the user."""
    code = getattr(error, "code", None)
    if code == "invalid_client_id":
        fail("configuration error", f"Salesforce does not know client id {settings.connection.client_id!r} "
             f"at {settings.connection.login_url}: check [source] client_id", CONFIGURATION)
    if code == "invalid_client":
        fail("configuration error", "Salesforce refused the connected app's secret: check [source] "
             "client_secret", CONFIGURATION)
    if code == "invalid_grant" and password_grant:
        fail("error", "wrong username or password (--username / --password; orgs that require a "
             "security token want it appended to the password)", PROBLEM)


def _connect_options(function):
    function = click.option("--no-browser", is_flag=True,
                            help="Print the login URL instead of opening a browser (paste the address it ends on).")(function)
    function = click.option("--port", type=int, help="Loopback port for the OAuth callback (config: callback_port).")(function)
    function = click.option("--username", help="Use the password grant with this user (the mock, dev orgs).")(function)
    return click.option("--password", help="Password (+ security token) for --username; asked when omitted.")(function)


@click.command()
@_connect_options
@click.option("--another", is_flag=True, help="Add a data source even if this org is already connected.")
@click.pass_context
def connect(ctx, no_browser, port, username, password, another) -> None:
    """Connect a new data source: log in to Salesforce and click Allow."""
    from .terminal import handled
    from .salesforce import AuthError
    with handled(ctx) as syncer:
        try:
            source = syncer.connect(_credentials(syncer, username, password, no_browser, port), another=another)
        except AuthError as error:
            explain_auth(error, syncer.settings, password_grant=bool(username))
            raise
        say(f"Connected data source {source.id} ({escape(source.name)}, org {escape(source.org_id)}).")
        say(f"Next: syncer sync{'' if source.id == 1 else f' --source {source.id}'}   (the first import)")


@click.command()
@click.option("--source", "source_id", type=int, help="Data source id.")
@_connect_options
@click.pass_context
def reconnect(ctx, source_id, no_browser, port, username, password) -> None:
    """Re-authorize a data source; the next poll imports only what changed since its cursor."""
    from .terminal import handled
    from .salesforce import AuthError
    with handled(ctx) as syncer:
        source = syncer.source(source_id)
        try:
            syncer.connect(_credentials(syncer, username, password, no_browser, port), source.id)
        except AuthError as error:
            explain_auth(error, syncer.settings, password_grant=bool(username))
            raise
        say(f"Reconnected data source {source.id}.")


COMMANDS = (config_group, connect, reconnect)
