"""``mock-salesforce``: run a local Salesforce org from the command line.

Every option can also be set by an environment variable ``MOCK_SALESFORCE_<OPTION>``
(e.g. ``MOCK_SALESFORCE_PORT=9443``).
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .config import DEFAULT_CLIENT_ID, DEFAULT_USERNAME, MockConfig
from .tls import TlsFiles, ensure_certificates


def option(*names: str, **kwargs):
    """A click option also read from ``MOCK_SALESFORCE_<NAME>`` (e.g. ``MOCK_SALESFORCE_PORT``)."""
    long_name = next(n for n in names if n.startswith("--"))
    envvar = "MOCK_SALESFORCE_" + long_name[2:].replace("-", "_").upper()
    return click.option(*names, envvar=envvar, show_envvar=True, **kwargs)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """A local Salesforce org that real clients use unmodified."""


@main.command()
@option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@option("--port", default=8443, show_default=True, help="Port (0 picks a free one).")
@option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="Server certificate chain (PEM).")
@option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="Server private key (PEM).")
@option("--no-tls", is_flag=True, help="Serve plain HTTP (for clients that accept http://).")
@option("--data-dir", default=".mock-salesforce", show_default=True, type=click.Path(file_okay=False),
              help="Where the generated CA and certificates live.")
@option("--db", help="SQLite file (or SQLAlchemy URL) holding the org; data survives restarts. "
                           "Default: a temporary file.")
@option("--org-name", default="Mock Org", show_default=True)
@option("--sandbox", is_flag=True, help="Make the org a sandbox.")
@option("--username", default=DEFAULT_USERNAME, show_default=True)
@option("--password", help="The user's password (generated and printed when omitted).")
@option("--client-id", default=DEFAULT_CLIENT_ID, show_default=True, help="Connected app consumer key.")
@option("--client-secret", help="Connected app consumer secret (generated and printed when omitted).")
@option("--callback-url", multiple=True, help="A registered OAuth callback URL (repeatable).")
@option("--session-timeout", default=7200, show_default=True, help="Access-token idle lifetime, seconds.")
@option("--seed", default=0, show_default=True, help="Create a demo org with this many accounts "
                                                           "(and contacts, leads, opportunities…).")
@option("--schema", multiple=True, type=click.Path(exists=True),
              help="Describe JSON (file or directory) of custom objects and fields (repeatable).")
@option("--api-limit", default=100_000, show_default=True, help="Daily API request limit.")
@option("--control-secret", help="Secret for the /_mock control plane (generated when omitted).")
@option("--log-requests", is_flag=True, help="Print one line per request (method, path, status, time).")
@option("--no-journal", is_flag=True, help="Keep no request journal (/_mock/orgs/{org}/requests).")
@option("--production-login-port", type=int,
        help="Also listen here as login.salesforce.com (production users only; 0: a free port).")
@option("--sandbox-login-port", type=int,
        help="Also listen here as test.salesforce.com (sandbox users only; 0: a free port).")
def serve(host, port, tls_cert, tls_key, no_tls, data_dir, db, org_name, sandbox, username, password,
          client_id, client_secret, callback_url, session_timeout, seed, schema, api_limit,
          control_secret, log_requests, no_journal, production_login_port, sandbox_login_port) -> None:
    """Serve the org over HTTPS until interrupted."""
    from .server import MockServer
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if bool(tls_cert) != bool(tls_key):
        raise click.UsageError("--tls-cert and --tls-key go together")
    config = MockConfig(db_url=db, data_dir=Path(data_dir), org_name=org_name, sandbox=sandbox,
                        username=username, password=password, client_id=client_id,
                        client_secret=client_secret, callback_urls=list(callback_url),
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
    tls_files = None
    if not no_tls:
        tls_files = TlsFiles(Path(tls_cert), Path(tls_cert), Path(tls_key)) if tls_cert \
            else ensure_certificates(config.data_dir)
    try:
        server = MockServer(config, host=host, port=port, tls=not no_tls, tls_files=tls_files)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    listeners = _login_listeners(server, production_login_port, sandbox_login_port)
    _banner(server, config, custom_cert=bool(tls_cert))
    for listener in listeners:
        kind = "production" if listener.domain == "login" else "sandbox"
        click.echo(f"  {kind} login URL {listener.url}  (as {listener.domain}.salesforce.com)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


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
            raise click.ClickException(f"cannot listen on {server.host}:{login_port}: "
                                       f"{error.strerror}") from None
    return listeners


def _banner(server, config: MockConfig, custom_cert: bool) -> None:
    org = server.registry.default_org
    lines = [f"mock-salesforce serving {org.name} ({org.id}{', sandbox' if org.is_sandbox else ''})",
             f"  instance URL   {server.url}",
             f"  login URL      {server.url}  (token: {server.url}/services/oauth2/token)",
             f"  username       {config.username}"]
    if "password" in config.generated:
        lines.append(f"  password       {config.password}   (generated)")
    lines.append(f"  client id      {config.client_id}")
    if "client_secret" in config.generated:
        lines.append(f"  client secret  {config.client_secret}   (generated)")
    if "control_secret" in config.generated:
        lines.append(f"  control secret {config.control_secret}   (generated; header X-Mock-Secret)")
    if server.ca_path and not custom_cert:
        lines += [f"  CA certificate {server.ca_path.resolve()}",
                  "  Trust it in your shell (REQUESTS_CA_BUNDLE overrides requests' session.verify):",
                  f"    export REQUESTS_CA_BUNDLE={server.ca_path.resolve()}",
                  f"    export NODE_EXTRA_CA_CERTS={server.ca_path.resolve()}"]
    click.echo("\n".join(lines))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
