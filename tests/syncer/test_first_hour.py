"""A newcomer's first hour with ``syncer`` (issue 14), driven through the CLI as a user would:
``config init``, ``connect`` prompts and refusals, errors that name what to fix, and a terminal
that prints Salesforce data as typed."""
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from syncer.cli import main


def run(config_file, *args, **kwargs):
    return CliRunner().invoke(main, ["--config", str(config_file), *args], **kwargs)


def write_config(path, salesforce_org, tmp_path, **overrides):
    """A working configuration for the mock; ``overrides`` replace whole lines by key."""
    config = salesforce_org.config
    values = {"login_url": f'"{salesforce_org.url}"', "client_id": f'"{config.client_id}"',
              "client_secret": f'"{config.client_secret}"', "ca_bundle": f'"{salesforce_org.ca_path}"',
              "url": f'"sqlite:///{tmp_path / "cdp.db"}"', "state_dir": f'"{tmp_path / ".syncer"}"',
              **overrides}
    path.write_text("[source]\n" + "".join(f"{k} = {values[k]}\n" for k in
                                           ("login_url", "client_id", "client_secret", "ca_bundle"))
                    + f"[cdp]\nurl = {values['url']}\n[sync]\nstate_dir = {values['state_dir']}\n")
    return path


@pytest.fixture
def config_file(tmp_path, salesforce_org):
    return write_config(tmp_path / "syncer.toml", salesforce_org, tmp_path)


def connect(config_file, salesforce_org, *extra):
    config = salesforce_org.config
    return run(config_file, "connect", "--username", config.username, "--password", config.password, *extra)


def one_line_error(result, code: int) -> str:
    """The output of a refused command: one line, the exit code, no traceback."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    return result.output


# -- config init ------------------------------------------------------------------------------

def test_config_init_writes_a_working_config_and_connect_asks_for_the_password(tmp_path, salesforce_org):
    config = salesforce_org.config
    path = tmp_path / "syncer.toml"
    result = run(path, "config", "init", "--login-url", salesforce_org.url, "--client-id", config.client_id,
                 "--client-secret", config.client_secret, "--ca-bundle", str(salesforce_org.ca_path),
                 "--cdp-url", f"sqlite:///{tmp_path / 'cdp.db'}")
    assert result.exit_code == 0, result.output
    assert oct(path.stat().st_mode)[-3:] == "600"  # it holds the client secret
    assert run(path, "config", "check").exit_code == 0
    again = run(path, "config", "init", "--login-url", "https://x.example", "--client-id", "a",
                "--client-secret", "b", "--ca-bundle", "")
    assert "exists; edit it, or pass --force" in one_line_error(again, 2)
    # No --password: it is asked for (hidden), as a user types it.
    connected = run(path, "connect", "--username", config.username, input=f"{config.password}\n")
    assert connected.exit_code == 0, connected.output
    assert f"Password (+ security token) for {config.username}" in connected.output
    assert "Connected data source 1" in connected.output and "Next: syncer sync" in connected.output
    assert config.password not in connected.output


def test_config_init_prompts_for_what_is_missing(tmp_path, salesforce_org):
    config = salesforce_org.config
    path = tmp_path / "syncer.toml"
    answers = f"{salesforce_org.url}\n{config.client_id}\n{config.client_secret}\n{salesforce_org.ca_path}\n"
    result = run(path, "config", "init", input=answers)
    assert result.exit_code == 0, result.output
    assert "Salesforce login URL" in result.output and "Connected app client secret" in result.output
    assert config.client_secret not in result.output  # typed hidden
    checked = run(path, "config", "check")
    assert checked.exit_code == 0 and salesforce_org.url in checked.output


# -- connect ----------------------------------------------------------------------------------

def test_connect_refuses_a_second_data_source_for_the_same_org_unless_asked(config_file, salesforce_org):
    assert connect(config_file, salesforce_org).exit_code == 0
    refused = connect(config_file, salesforce_org)
    output = one_line_error(refused, 1)
    assert "is already connected as data source 1" in output and "syncer reconnect --source 1" in output
    assert "data source 2" not in run(config_file, "status").output
    added = connect(config_file, salesforce_org, "--another")
    assert added.exit_code == 0 and "Connected data source 2" in added.output


def test_wrong_password_secret_or_client_id_name_what_to_fix(config_file, salesforce_org, tmp_path):
    config = salesforce_org.config
    wrong_password = run(config_file, "connect", "--username", config.username, "--password", "nope")
    assert "wrong username or password" in one_line_error(wrong_password, 1)
    bad_secret = write_config(tmp_path / "secret.toml", salesforce_org, tmp_path, client_secret='"nope"')
    assert "check [source] client_secret" in one_line_error(connect(bad_secret, salesforce_org), 2)
    bad_id = write_config(tmp_path / "id.toml", salesforce_org, tmp_path, client_id='"3MVG9nobody"')
    assert "check [source] client_id" in one_line_error(connect(bad_id, salesforce_org), 2)


def test_salesforce_unreachable_names_the_url(salesforce_org, tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = write_config(tmp_path / "syncer.toml", salesforce_org, tmp_path, login_url=f'"https://127.0.0.1:{port}"')
    output = one_line_error(connect(path, salesforce_org), 1)
    assert f"cannot reach Salesforce at https://127.0.0.1:{port}/services/oauth2/token" in output


def test_an_untrusted_certificate_says_to_set_ca_bundle(salesforce_org, tmp_path, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE")
    path = tmp_path / "syncer.toml"
    write_config(path, salesforce_org, tmp_path)
    path.write_text("\n".join(line for line in path.read_text().splitlines() if not line.startswith("ca_bundle")))
    result = connect(path, salesforce_org)
    # (The in-process mock logs the refused handshake on the same stream: check the syncer's line.)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "its TLS certificate is not trusted (set [source] ca_bundle" in result.output.splitlines()[-1]


def test_a_busy_callback_port_says_how_to_pick_another(config_file):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(config_file, "connect", "--no-browser", "--port", str(port), input="")
    output = one_line_error(result, 2)
    assert f"cannot receive the OAuth callback on 127.0.0.1:{port}" in output and "--port N" in output


def test_an_unwritable_state_dir_is_refused_before_connecting(salesforce_org, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    path = write_config(tmp_path / "syncer.toml", salesforce_org, tmp_path, state_dir=f'"{blocker / "state"}"')
    assert "cannot write credentials under" in one_line_error(connect(path, salesforce_org), 2)
    assert "[sync] state_dir" in connect(path, salesforce_org).output
    assert "never" not in run(path, "status").output  # no half-connected data source was left


@pytest.mark.parametrize("url, says", [
    ("sqlite:////proc/no-such-dir/cdp.db", "cannot open the CDP database [cdp] url"),
    ("postgresql+psycopg://postgres@127.0.0.1:1/test", "cannot open the CDP database [cdp] url"),
])
def test_an_unusable_cdp_database_is_a_configuration_error(salesforce_org, tmp_path, url, says):
    path = write_config(tmp_path / "syncer.toml", salesforce_org, tmp_path, url=f'"{url}"')
    assert says in one_line_error(run(path, "status"), 2)


# -- config check -----------------------------------------------------------------------------

@pytest.mark.parametrize("toml, says", [
    ('[sync]\nobjects = ["Contacts", "Lead"]\n',
     "unknown object(s) Contacts; known: Contact, Lead, Account, Opportunity, Campaign, Task"),
    ('[cdp]\nurl = "cdp.db"\n', "[cdp] url must be an SQLAlchemy URL"),
    ('[cdp]\nurl = "mysql://x@y/z"\n', "'mysql' databases are not supported"),
    ('[cdp]\nurl = "postgresql+psycopg2://x@y/z"\n', "the 'psycopg2' driver is not supported"),
    ('[cdp]\nulr = "sqlite:///cdp.db"\n', "[cdp]: unknown setting(s) ulr"),
    ('[source]\nlogin_url = "login.salesforce.com"\n', "[source] login_url must be an https:// URL"),
    ('[source]\nlogin_url = "http://login.salesforce.com"\n', "(http:// only for 127.0.0.1)"),
    ('[source]\nclientid = "x"\n', "[source]: unknown setting(s) clientid; expected"),
    ('[source]\nca_bundle = "nowhere.pem"\n', "[source] ca_bundle: no such file 'nowhere.pem'"),
    ('[objects.Contact]\ncustom_field = ["Tier__c"]\n', "[objects.Contact]: unknown setting(s) custom_field"),
])
def test_config_check_says_what_to_fix(tmp_path, toml, says):
    path = tmp_path / "syncer.toml"
    path.write_text(toml)
    assert says in one_line_error(run(path, "config", "check"), 2)


def test_commands_other_than_check_refuse_a_bad_config_in_one_line(tmp_path):
    path = tmp_path / "syncer.toml"
    path.write_text('[sync]\nobjects = ["Contacts"]\n')
    assert "configuration error: [sync] objects" in one_line_error(run(path, "sync"), 2)
    assert "no such configuration file" in one_line_error(run(tmp_path / "none.toml", "status"), 2)


# -- what the terminal shows ------------------------------------------------------------------

def test_salesforce_data_is_printed_as_typed(config_file, salesforce_org):
    sf = salesforce_org.client()
    account = sf.Account.create({"Name": "Acme [legacy]"})["id"]
    sf.Contact.create({"FirstName": "[/red]", "LastName": "Lee :o:", "Email": "lee@acme.example",
                       "AccountId": account})
    connect(config_file, salesforce_org)
    assert run(config_file, "sync").exit_code == 0
    people = run(config_file, "people")
    assert people.exit_code == 0, people.output
    assert "[/red] Lee :o:" in people.output and "⭕" not in people.output
    assert "Acme [legacy]" in run(config_file, "organizations").output
    checked = run(config_file, "config", "check")
    assert "Name→str:o:name" in checked.output and "⭕" not in checked.output


def test_tables_say_how_many_of_how_many(config_file, salesforce_org):
    sf = salesforce_org.client()
    for number in range(3):
        sf.Contact.create({"LastName": f"Lee{number}", "Email": f"lee{number}@x.example"})
    connect(config_file, salesforce_org)
    run(config_file, "sync")
    assert "2 of 3 people (--limit N shows more)" in run(config_file, "people", "--limit", "2").output
    assert "3 people" in run(config_file, "people").output
    assert "0 organizations" in run(config_file, "organizations").output


def test_help_imports_nothing_heavy():
    """``syncer --help`` answers without SQLAlchemy, requests or rich (it used to cost ~0.6 s)."""
    code = ("import sys; from syncer.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = {'sqlalchemy', 'requests', 'rich', 'simple_salesforce', 'sqlmodel'}\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_a_counted_stream_reports_its_total_for_the_progress_bar(config_file, salesforce_org, tmp_path):
    from syncer.config import load
    from syncer.service import Syncer
    for number in range(3):
        salesforce_org.client().Contact.create({"LastName": f"Lee{number}", "Email": f"lee{number}@x.example"})
    connect(config_file, salesforce_org)
    config_file.write_text(config_file.read_text() + "bulk_threshold = 2\n")  # first loads get a COUNT()
    syncer = Syncer(load(config_file))
    totals, read = {}, {}
    try:
        syncer.sync(progress=lambda stream, n: read.update({stream: read.get(stream, 0) + n}),
                    total=lambda stream, n: totals.update({stream: n}))
    finally:
        syncer.close()
    assert totals["Contact"] == 3 == read["Contact"]


def test_connect_without_a_browser_takes_the_pasted_callback_address(salesforce_org, tmp_path):
    """Over SSH: the URL is printed whole, the user logs in elsewhere, and pastes where the
    browser ended (a page that could not load, since this machine's port is not reachable)."""
    import importlib.util
    from pathlib import Path

    import requests
    from requests.adapters import BaseAdapter
    spec = importlib.util.spec_from_file_location(
        "user_agent", Path(__file__).parents[2] / "features" / "user_agent.py")
    user_agent = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(user_agent)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    org = salesforce_org.create_org("Remote", "admin@remote.example", "remote-pw",
                                    callback_urls=[f"http://127.0.0.1:{port}/callback"])
    path = write_config(tmp_path / "syncer.toml", salesforce_org, tmp_path, client_id=f'"{org.client_id}"',
                        client_secret=f'"{org.client_secret}"')
    process = subprocess.Popen([sys.executable, "-m", "syncer.cli", "--config", str(path), "connect",
                                "--no-browser", "--port", str(port)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        while not (lines and lines[-1].startswith("No browser here?")):
            lines.append(process.stdout.readline())
            assert lines[-1], "".join(lines)
        url = next(line.strip() for line in lines if line.startswith("https://"))
        assert url.startswith(f"{salesforce_org.url}/services/oauth2/authorize?") and "code_challenge_method=S256" in url
        assert f"Waiting for Salesforce to send your browser to http://127.0.0.1:{port}/callback" in "".join(lines)

        class Elsewhere(BaseAdapter):  # the browser's machine cannot reach this port
            def send(self, request, **kwargs):
                landed.append(request.url)
                raise requests.ConnectionError("unreachable")
        landed = []
        browser = requests.Session()
        browser.mount(f"http://127.0.0.1:{port}", Elsewhere())
        with pytest.raises(requests.ConnectionError):
            user_agent.log_in_and_allow(browser, url, org.username, "remote-pw")
        process.stdin.write("not a url\n" + landed[0] + "\n")
        process.stdin.flush()
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, output
    assert "That is not the callback address" in output
    assert f"Connected data source 1 (Salesforce, org {org.id})" in output


def test_backfill_from_the_cli_reports_what_it_read(config_file, salesforce_org):
    salesforce_org.client().Contact.create({"LastName": "Lee", "Email": "lee@x.example"})
    connect(config_file, salesforce_org)
    assert run(config_file, "sync").exit_code == 0
    result = run(config_file, "backfill")
    assert result.exit_code == 0, result.output
    assert "poll: ok" in result.output and "Contact" in result.output
