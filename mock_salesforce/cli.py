"""``mock-salesforce``: run a local Salesforce org from the command line.

Every option can also be set by an environment variable ``MOCK_SALESFORCE_<OPTION>``
(e.g. ``MOCK_SALESFORCE_PORT=9443``). Only click and the config are imported up front; the
server, TLS and the database load once ``serve`` runs, so ``--help`` answers at once.
"""
from __future__ import annotations

import logging
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

import click

from .config import DEFAULT_CLIENT_ID, DEFAULT_USERNAME, SYNCER_CALLBACK_URL, MockConfig

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + signal number, as shells report


class ConfigError(click.ClickException):
    """A setting the user must change: one line on stderr, exit code 2."""

    exit_code = 2


class Stopped(BaseException):
    """Raised in the main thread by SIGINT / SIGTERM: stop serving and exit with ``code``."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def option(*names: str, **kwargs):
    """A click option also read from ``MOCK_SALESFORCE_<NAME>`` (e.g. ``MOCK_SALESFORCE_PORT``)."""
    long_name = next(n for n in names if n.startswith("--"))
    envvar = "MOCK_SALESFORCE_" + long_name[2:].replace("-", "_").upper()
    return click.option(*names, envvar=envvar, show_envvar=True, **kwargs)


def _not_negative(ctx, param, value: int) -> int:
    if value is not None and value < 0:
        raise ConfigError(f"--{param.name.replace('_', '-')} must be 0 or more (got {value})")
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mock-salesforce", prog_name="mock-salesforce")
def main() -> None:
    """A local Salesforce org that real clients use unmodified."""


@main.command()
@option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@option("--port", default=8443, show_default=True, callback=_not_negative,
        help="Port (0 picks a free one).")
@option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="Server certificate chain (PEM).")
@option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="Server private key (PEM).")
@option("--no-tls", is_flag=True, help="Serve plain HTTP (for clients that accept http://).")
@option("--data-dir", default=".mock-salesforce", show_default=True, type=click.Path(file_okay=False),
        help="Where the generated CA, certificates and generated secrets live.")
@option("--db", help="SQLite file (or SQLAlchemy URL) holding the org; data survives restarts. "
                     "Default: a temporary file, removed when the server stops.")
@option("--org-name", default="Mock Org", show_default=True)
@option("--sandbox", is_flag=True, help="Make the org a sandbox.")
@option("--username", default=DEFAULT_USERNAME, show_default=True)
@option("--password", help="The user's password (generated once and kept in the data dir when omitted).")
@option("--client-id", default=DEFAULT_CLIENT_ID, show_default=True, help="Connected app consumer key.")
@option("--client-secret", help="Connected app consumer secret (generated once and kept when omitted).")
@option("--callback-url", multiple=True,
        help=f"A registered OAuth callback URL (repeatable). Default: {SYNCER_CALLBACK_URL}.")
@option("--session-timeout", default=7200, show_default=True, help="Access-token idle lifetime, seconds.")
@option("--seed", default=0, show_default=True, callback=_not_negative,
        help="Create a demo org with this many accounts (and contacts, leads, opportunities…).")
@option("--schema", multiple=True, type=click.Path(exists=True),
        help="Describe JSON (file or directory) of custom objects and fields (repeatable).")
@option("--api-limit", default=100_000, show_default=True, callback=_not_negative,
        help="Daily API request limit.")
@option("--control-secret", help="Secret for the /_mock control plane (generated once and kept when omitted).")
@option("--log-requests", is_flag=True, help="Print one line per request (method, path, status, time).")
@option("--no-journal", is_flag=True, help="Keep no request journal (/_mock/orgs/{org}/requests).")
@option("--production-login-port", type=int,
        help="Also listen here as login.salesforce.com (production users only; 0: a free port).")
@option("--sandbox-login-port", type=int,
        help="Also listen here as test.salesforce.com (sandbox users only; 0: a free port).")
def serve(host, port, tls_cert, tls_key, no_tls, data_dir, db, org_name, sandbox, username, password,
          client_id, client_secret, callback_url, session_timeout, seed, schema, api_limit,
          control_secret, log_requests, no_journal, production_login_port, sandbox_login_port) -> None:
    """Serve the org over HTTPS until Ctrl-C (exit 130) or SIGTERM (exit 143)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if bool(tls_cert) != bool(tls_key):
        raise click.UsageError("--tls-cert and --tls-key go together")
    _check_db(db)
    config = MockConfig(db_url=db, data_dir=Path(data_dir), org_name=org_name, sandbox=sandbox,
                        username=username, password=password, client_id=client_id,
                        client_secret=client_secret,
                        callback_urls=list(callback_url) or [SYNCER_CALLBACK_URL],
                        session_timeout=session_timeout, seed=seed, schema=list(schema),
                        api_limit=api_limit, control_secret=control_secret,
                        journal=not no_journal or log_requests, log_requests=log_requests)
    if log_requests:
        requests_log = logging.getLogger("mock_salesforce.requests")
        requests_log.setLevel(logging.INFO)
        requests_log.propagate = False
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        requests_log.addHandler(handler)
    _install_signal_handlers()
    try:
        server, listeners = _start(config, host, port, no_tls, tls_cert, tls_key,
                                   production_login_port, sandbox_login_port)
    except Stopped as stop:
        click.echo("stopped before the org was ready", err=True)
        sys.exit(stop.code)
    code = 0
    try:
        _banner(server, config, custom_cert=bool(tls_cert), listeners=listeners)
        server.start()
        while True:
            time.sleep(3600)
    except Stopped as stop:
        code = stop.code
    finally:
        # A second Ctrl-C while stopping ends the process at once.
        for number, exit_code in EXIT_CODES.items():
            signal.signal(number, lambda *_, c=exit_code: os._exit(c))
        server.stop()
    removed = " and removed its temporary database" if config.db_url is None else ""
    click.echo(f"mock-salesforce stopped: released port {server.port}{removed}", err=True)
    _exit(code)


def _exit(code: int) -> None:
    """Exit with ``code`` once the server has stopped, even if a server thread has not ended.

    Python waits for every non-daemon thread at exit; a web-server worker still finishing a
    connection (or started while the signal came) would keep a stopped server's process alive."""
    lingering = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    for thread in lingering:
        thread.join(timeout=1)
    if any(thread.is_alive() for thread in lingering):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _install_signal_handlers() -> None:
    def stop(number, _frame):
        raise Stopped(EXIT_CODES[signal.Signals(number)])
    for number in EXIT_CODES:
        signal.signal(number, stop)


def _check_db(db: str | None) -> None:
    """Refuse a ``--db`` file that cannot be created, before anything is built."""
    if not db or "://" in db:
        return
    path = Path(db).expanduser()
    folder = path.resolve().parent
    if path.is_dir():
        raise ConfigError(f"--db {db} is a directory: give a file path such as {path / 'org.db'}")
    if not folder.is_dir():
        raise ConfigError(f"cannot create --db {db}: directory {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(f"cannot write --db {db}: choose a writable path")


def _start(config: MockConfig, host: str, port: int, no_tls: bool, tls_cert, tls_key,
           production_login_port, sandbox_login_port):
    """The server, bound and its org built (seeded with a progress display), plus login listeners."""
    import sqlalchemy.exc

    from .config import remember_generated_secrets
    from .server import MockServer
    from .tls import TlsFiles, ensure_certificates
    try:
        if config.generated:
            remember_generated_secrets(config)
        tls_files = None
        if not no_tls:
            tls_files = TlsFiles(Path(tls_cert), Path(tls_cert), Path(tls_key)) if tls_cert \
                else ensure_certificates(config.data_dir)
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or error
        raise ConfigError(f"cannot use --data-dir {config.data_dir}: {reason}; "
                          f"choose a writable directory") from None
    try:
        with _SeedProgress(config.seed) as progress:
            server = MockServer(config, host=host, port=port, tls=not no_tls, tls_files=tls_files,
                                progress=progress)
    except OSError as error:
        raise ConfigError(f"cannot listen on {host}:{port}: {_reason(error)} "
                          f"(choose another --port; 0 picks a free one)") from None
    except sqlalchemy.exc.SQLAlchemyError as error:
        raise ConfigError(f"cannot open the database {config.db_url}: "
                          f"{getattr(error, 'orig', None) or error}") from None
    try:
        listeners = _login_listeners(server, production_login_port, sandbox_login_port)
    except BaseException:
        server.stop()
        raise
    return server, listeners


def _reason(error: OSError) -> str:
    """The OS's words for a socket error (cheroot wraps them: "No socket could be created -- …")."""
    found = re.search(r"\[Errno \d+\] ([^)]+)", str(error))
    return error.strerror or (found.group(1) if found else str(error))


class _SeedProgress:
    """``--seed`` progress on stderr: a bar with total and ETA on a terminal, lines otherwise."""

    def __init__(self, accounts: int) -> None:
        self.accounts = accounts
        self.bar = None
        self.task = None

    def __enter__(self):
        if not self.accounts:
            return None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                       TimeRemainingColumn)
            self.bar = Progress(TextColumn("seeding demo org: accounts"), BarColumn(),
                                MofNCompleteColumn(), TimeRemainingColumn(),
                                console=Console(stderr=True))
            self.bar.start()
            self.task = self.bar.add_task("seed", total=self.accounts)
        return self

    def __call__(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total)
        else:
            click.echo(f"seeding demo org: {done:,} of {total:,} accounts", err=True)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def _login_listeners(server, production_port: int | None, sandbox_port: int | None) -> list:
    """Extra listeners that play login.salesforce.com and test.salesforce.com."""
    from .server import LoginHostListener
    listeners = []
    for domain, login_port in (("login", production_port), ("test", sandbox_port)):
        if login_port is None:
            continue
        try:
            listeners.append(LoginHostListener(server, domain, login_port).start())
        except OSError as error:
            for listener in listeners:
                listener.stop()
            raise ConfigError(f"cannot listen on {server.host}:{login_port}: {_reason(error)} "
                              f"(choose another --{'production' if domain == 'login' else 'sandbox'}"
                              f"-login-port)") from None
    return listeners


def _banner(server, config: MockConfig, custom_cert: bool, listeners: list) -> None:
    """What a user needs to connect a client, printed once the org is ready."""
    from .config import SECRETS_FILE
    from .tls import bundle_with_system_cas
    org = server.registry.default_org
    kept = f"generated; kept in {config.data_dir / SECRETS_FILE} for restarts"
    lines = [f"mock-salesforce serving {org.name} ({org.id}{', sandbox' if org.is_sandbox else ''})",
             f"  instance URL   {server.url}",
             f"  login URL      {server.url}  (token: {server.url}/services/oauth2/token)"]
    for listener in listeners:
        kind = "production" if listener.domain == "login" else "sandbox"
        lines.append(f"  {kind} login URL {listener.url}  (as {listener.domain}.salesforce.com)")
    lines.append(f"  username       {config.username}")
    if "password" in config.generated:
        lines.append(f"  password       {config.password}   ({kept})")
    lines.append(f"  client id      {config.client_id}")
    if "client_secret" in config.generated:
        lines.append(f"  client secret  {config.client_secret}   ({kept})")
    lines.append(f"  callback URLs  {'  '.join(config.callback_urls)}"
                 + ("   (the syncer's default; --callback-url to change)"
                    if config.callback_urls == [SYNCER_CALLBACK_URL] else ""))
    if "control_secret" in config.generated:
        lines.append(f"  control secret {config.control_secret}   ({kept}; header X-Mock-Secret)")
        lines.append(f"  console        {server.url}/_mock/console/?secret={config.control_secret}")
    else:
        lines.append("  control secret as given with --control-secret (header X-Mock-Secret)")
        lines.append(f"  console        {server.url}/_mock/console/  (log in with the control secret)")
    if server.ca_path and not custom_cert:
        ca = server.ca_path.resolve()
        bundle = bundle_with_system_cas(ca, ca.parent / "ca-bundle.pem").resolve()
        lines += [f"  CA certificate {ca}",
                  f"  CA bundle      {bundle}  (the system's CAs plus this one)",
                  "  Trust it in your shell; the bundle keeps every other HTTPS site working.",
                  "  (requests lets REQUESTS_CA_BUNDLE override a session's verify=):",
                  f"    export REQUESTS_CA_BUNDLE={bundle}",
                  f"    export NODE_EXTRA_CA_CERTS={ca}"]
    lines.append("Ready. Ctrl-C stops the server.")
    click.echo("\n".join(lines))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
