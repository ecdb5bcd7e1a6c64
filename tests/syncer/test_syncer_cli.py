"""``syncer`` commands end to end against the real mock (click's CliRunner)."""
import gc

import click
import pytest
from click.testing import CliRunner

from syncer.cli import main
from syncer.terminal import handled


@pytest.fixture
def config_file(tmp_path, salesforce_org):
    config = salesforce_org.config
    path = tmp_path / "syncer.toml"
    path.write_text(f"""
[source]
name = "Acme Salesforce"
login_url = "{salesforce_org.url}"
client_id = "{config.client_id}"
client_secret = "{config.client_secret}"
ca_bundle = "{salesforce_org.ca_path}"

[cdp]
url = "sqlite:///{tmp_path / 'cdp.db'}"
""")
    return path


def run(config_file, *args, **kwargs):
    result = CliRunner().invoke(main, ["--config", str(config_file), *args], **kwargs)
    return result


def connect(config_file, salesforce_org):
    config = salesforce_org.config
    return run(config_file, "connect", "--username", config.username, "--password", config.password)


def test_config_check_prints_what_it_understood(config_file):
    result = run(config_file, "config", "check")
    assert result.exit_code == 0, result.output
    assert "Acme Salesforce" in result.output and "Match only if previous merge key is empty" in result.output
    assert "Bulk API 2.0 for first loads and backfills above 2,000 rows" in result.output


def test_config_check_rejects_a_bad_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[merge.people]\nstrategy = "sometimes"\n')
    result = run(bad, "config", "check")
    assert result.exit_code == 2 and "strategy 'sometimes' is not one of" in result.output


def test_a_command_keeps_its_start_up_objects_from_the_collector_until_it_ends(config_file):
    gc.unfreeze()
    with handled(click.Context(main, obj={"config": str(config_file)})) as syncer:
        assert syncer.settings is not None and gc.get_freeze_count() > 50_000
    assert gc.get_freeze_count() == 0  # handed back: a process running many commands frees them


def test_connect_sync_and_look(config_file, salesforce_org, tmp_path):
    sf = salesforce_org.client()
    account = sf.Account.create({"Name": "Globex"})["id"]
    sf.Contact.create({"LastName": "Lee", "Email": "lee@globex.example", "AccountId": account})
    result = connect(config_file, salesforce_org)
    assert result.exit_code == 0 and "Connected data source 1" in result.output, result.output
    credentials = next((tmp_path / ".syncer" / "credentials").iterdir())
    assert oct(credentials.stat().st_mode)[-3:] == "600"
    assert salesforce_org.config.password not in result.output
    result = run(config_file, "sync")
    assert result.exit_code == 0, result.output
    assert "created 1" in result.output and "API calls" in result.output
    people = run(config_file, "people")
    assert "lee@globex.example" in people.output
    assert "Globex" in run(config_file, "organizations").output
    status = run(config_file, "status")
    assert "Connected" in status.output and "Acme Salesforce" in status.output
    assert "never" not in status.output  # the last sync is shown, and the next one
    assert run(config_file, "activities").exit_code == 0
    template = tmp_path / "welcome.liquid"
    template.write_text("Hello {{ people.nickname }}")  # no such field: what is wrong, and where
    result = run(config_file, "render", str(template), "--person", "lee@globex.example")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert result.output.splitlines()[0] == "template error: people.nickname is undefined"


def test_disconnect_keeps_people_and_delete_needs_disconnect(config_file, salesforce_org):
    salesforce_org.client().Contact.create({"LastName": "Lee", "Email": "lee@x.example"})
    connect(config_file, salesforce_org)
    run(config_file, "sync")
    refused = run(config_file, "delete", "--yes")
    assert refused.exit_code == 1 and "disconnect the data source before deleting it" in refused.output
    assert run(config_file, "disconnect").exit_code == 0
    assert "lee@x.example" in run(config_file, "people").output
    assert "Disconnected" in run(config_file, "status").output
    blocked = run(config_file, "sync", "--source", "1")
    assert blocked.exit_code == 1 and "reconnect it first" in blocked.output
    assert run(config_file, "delete", "--yes", "--source", "1").exit_code == 0
    assert "lee@x.example" in run(config_file, "people").output


def test_rename_touches_only_the_data_source(config_file, salesforce_org):
    connect(config_file, salesforce_org)
    result = run(config_file, "rename", "Production org")
    assert result.exit_code == 0 and "Production org" in run(config_file, "status").output


def test_run_once_polls_due_sources(config_file, salesforce_org):
    salesforce_org.client().Contact.create({"LastName": "Lee", "Email": "lee@x.example"})
    connect(config_file, salesforce_org)
    result = run(config_file, "run", "--once")
    assert result.exit_code == 0 and "created 1" in result.output
    assert "polled 1 data source(s) (1)" in result.output
    again = run(config_file, "run", "--once")
    assert "data source 1:" not in again.output  # not due for another 15 minutes
    assert "no data source was due; next poll: data source 1 at" in again.output
    assert "(in 15 min)" in again.output
