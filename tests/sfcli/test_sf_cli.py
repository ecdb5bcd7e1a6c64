"""Salesforce's own CLI, ``sf`` (npm ``@salesforce/cli``, pinned in package-lock.json), run
unmodified against the mock over TLS: logins, org commands, SOQL, records, Bulk API 2.0 jobs,
describes and limits.

The CLI needs Node.js 22 or newer; the ``node`` npm package in package.json brings one, so the
machine's own Node does not matter. Install both with ``scripts/install-test-deps.sh``. Every
CLI run gets a HOME of its own (state, keychain and logs never touch the user's), no telemetry,
no update checks, and trusts the mock's CA through ``NODE_EXTRA_CA_CERTS``. The CLI takes about
a second to start, so each command runs once and the tests share one server.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from mock_salesforce.backend.oauth.codes import AuthorizationCodes
from mock_salesforce.backend.oauth.grants import LoginContext
from mock_salesforce.config import MockConfig
from mock_salesforce.server import MockServer

HERE = Path(__file__).parent
NODE = HERE / "node_modules" / "node" / "bin" / "node"
SF = HERE / "node_modules" / "@salesforce" / "cli" / "bin" / "run.js"
CALLBACK = "http://localhost:1717/OauthRedirect"
CONTACTS = 2_500  # more than one 2,000-record page
KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT")


class Sf:
    """The ``sf`` CLI with a HOME of its own, trusting one mock's CA."""

    def __init__(self, home: Path, ca_path: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.env = {k: v for k, v in os.environ.items() if k in KEPT_VARIABLES}
        self.env.update(
            HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
            XDG_CACHE_HOME=str(home / ".cache"), XDG_DATA_HOME=str(home / ".local" / "share"),
            PATH=f"{NODE.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            NODE_EXTRA_CA_CERTS=str(ca_path), SF_USE_GENERIC_UNIX_KEYCHAIN="true",
            SF_DISABLE_TELEMETRY="true", SF_AUTOUPDATE_DISABLE="true",
            SF_DISABLE_AUTOUPDATE="true", SF_SKIP_NEW_VERSION_CHECK="true",
            SF_HIDE_RELEASE_NOTES="true", SF_LOG_LEVEL="warn")

    def run(self, *args: str, expect_status: int = 0, **env: str) -> dict:
        """``sf ARGS --json``: the parsed JSON answer, after checking its exit status."""
        done = subprocess.run([str(NODE), str(SF), *args, "--json"], cwd=self.home,
                              env={**self.env, **env}, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == expect_status, done.stdout + done.stderr
        return json.loads(done.stdout)

    def text(self, *args: str) -> str:
        """``sf ARGS`` in its human (or ``--result-format csv``) output."""
        done = subprocess.run([str(NODE), str(SF), *args], cwd=self.home, env=self.env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def file(self, name: str, text: str) -> str:
        """Write a file in the CLI's working directory; its name for a ``--file`` flag."""
        (self.home / name).write_text(text)
        return name


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not NODE.exists() or not SF.exists():
        pytest.fail("the sf CLI is not installed: run scripts/install-test-deps.sh "
                    "(npm ci in tests/sfcli)")
    data_dir = tmp_path_factory.mktemp("sf-org")
    config = MockConfig(data_dir=data_dir, db_url=str(data_dir / "org.db"), password="sf-password",
                        client_secret="sf-secret", control_secret="sf-control",
                        callback_urls=[CALLBACK])
    with MockServer(config) as running:
        accounts = running.control("POST", "orgs/org1/records/Account", json={"records": [
            {"Name": "Acme", "Industry": "Energy"}, {"Name": "Globex"}]}).json()["ids"]
        running.control("POST", "orgs/org1/records/Contact", json={"records": [
            {"LastName": "Coyote", "AccountId": accounts[0]},
            {"LastName": "Runner", "AccountId": accounts[0]}]})
        running.control("POST", "orgs/org1/records/Contact", json={"records": [
            {"LastName": f"Bulk{n:04d}"} for n in range(CONTACTS - 2)]})
        running.control("POST", "orgs/org1/fields/Lead", json={
            "name": "Ext__c", "type": "string", "length": 20, "externalId": True, "unique": True})
        yield running


@pytest.fixture(scope="module")
def api(server):
    """simple-salesforce on the same org, to arrange and check what the CLI did."""
    return server.client()


@pytest.fixture(scope="module")
def sf(server, tmp_path_factory):
    """The CLI, logged in with ``org login access-token`` under the alias ``mock``."""
    cli = Sf(tmp_path_factory.mktemp("sf-home"), server.ca_path)
    cli.login = cli.run("org", "login", "access-token", "--instance-url", server.url,
                        "--no-prompt", "--alias", "mock",
                        SF_ACCESS_TOKEN=server.token()["access_token"])
    return cli


def refresh_token(server) -> str:
    """A refresh token of the configured user, issued as the web-server flow would."""
    registry, config = server.registry, server.config
    codes = AuthorizationCodes(registry)
    request = codes.check({"response_type": "code", "client_id": config.client_id,
                           "redirect_uri": CALLBACK})
    code = codes.approve(request, registry.grants.find_user(config.username))
    return registry.grants.token({"grant_type": "authorization_code", "code": code,
                                  "client_id": config.client_id,
                                  "client_secret": config.client_secret,
                                  "redirect_uri": CALLBACK}, LoginContext(server.url))["refresh_token"]


# -- logins and orgs ---------------------------------------------------------------------------
def test_login_with_an_access_token(sf, server):
    result = sf.login["result"]
    assert result["orgId"] == server.default_org.id
    assert result["username"] == server.config.username
    # The CLI saves the instance URL with a trailing slash and then requests "//services/...".
    assert result["instanceUrl"].rstrip("/") == server.url


def test_org_display_is_connected(sf, server):
    result = sf.run("org", "display", "--target-org", "mock")["result"]
    assert result["connectedStatus"] == "Connected"
    assert result["id"] == server.default_org.id and result["alias"] == "mock"
    assert float(result["apiVersion"]) >= 59.0


def test_org_list_shows_the_org_connected(sf, server):
    result = sf.run("org", "list")["result"]
    [org] = [o for o in result["nonScratchOrgs"] if o.get("alias") == "mock"]
    assert org["connectedStatus"] == "Connected" and org["orgId"] == server.default_org.id


def test_org_open_url_logs_a_browser_in(sf, server):
    url = sf.run("org", "open", "--target-org", "mock", "--url-only", "--path",
                 "/setup/connectedApps")["result"]["url"]
    assert url.startswith(f"{server.url}/secur/frontdoor.jsp?otp=")
    browser = server.session()
    page = browser.get(url)
    assert page.status_code == 200 and page.url == f"{server.url}/setup/connectedApps"
    assert browser.get(url, allow_redirects=False).headers["Location"] == "/"  # used up


def test_login_with_an_sfdx_auth_url_reads_the_organization(server, tmp_path):
    cli = Sf(tmp_path / "home", server.ca_path)
    host = server.url.removeprefix("https://")
    url_file = cli.file("auth-url.txt", f"force://{server.config.client_id}:"
                                        f"{server.config.client_secret}:{refresh_token(server)}@{host}")
    result = cli.run("org", "login", "sfdx-url", "--sfdx-url-file", url_file,
                     "--alias", "by-url")["result"]
    assert result["orgId"] == server.default_org.id and result["instanceUrl"] == server.url
    # After the login the CLI queries the Organization (Name, IsSandbox, TrialExpirationDate…)
    # and keeps what it found; a failed query leaves these out silently.
    [org] = [o for o in cli.run("org", "list")["result"]["other"] if o.get("alias") == "by-url"]
    assert org["name"] == server.default_org.name and org["orgEdition"] == "Developer Edition"
    assert org["isSandbox"] is False and org["isScratch"] is False


def test_login_with_a_jwt(server, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sf-cli-jwt")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(11)
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    config = server.config
    server.control("PUT", f"apps/{config.client_id}/certificate",
                   data=cert.public_bytes(serialization.Encoding.PEM))
    server.control("PATCH", f"apps/{config.client_id}", json={
        "permitted_users": "admin_approved", "preauthorized_users": [config.username]})
    cli = Sf(tmp_path / "home", server.ca_path)
    key_file = cli.file("server.key", key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode())
    # The CLI signs for aud https://login.salesforce.com whatever --instance-url says.
    result = cli.run("org", "login", "jwt", "--client-id", config.client_id, "--jwt-key-file",
                     key_file, "--username", config.username, "--instance-url", server.url,
                     "--alias", "by-jwt")["result"]
    assert result["orgId"] == server.default_org.id and result["instanceUrl"] == server.url
    assert result["orgEdition"] == "Developer Edition"


# -- SOQL ----------------------------------------------------------------------------------------
def test_query_with_a_child_subquery(sf):
    result = sf.run("data", "query", "--target-org", "mock", "--query",
                    "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account "
                    "WHERE Name = 'Acme'")["result"]
    [acme] = result["records"]
    assert [c["LastName"] for c in acme["Contacts"]["records"]] == ["Coyote", "Runner"]


def test_query_table_is_laid_out_by_the_column_metadata(sf):
    # The human (and CSV) formats lay the rows out by /query?columns=true: parent paths and
    # child subqueries become dotted columns, one line per child record.
    text = sf.text("data", "query", "--target-org", "mock", "--query",
                   "SELECT Name, Owner.Name, (SELECT LastName FROM Contacts ORDER BY LastName) "
                   "FROM Account WHERE Name = 'Acme'")
    rows = [[cell.strip() for cell in line.split("│")[1:-1]]
            for line in text.splitlines() if line.startswith("│")]
    assert rows == [["NAME", "OWNER.NAME", "CONTACTS.LASTNAME"],
                    ["Acme", "Admin User", "Coyote"], ["", "", "Runner"]]


def test_query_reads_every_page_of_a_large_result(sf):
    result = sf.run("data", "query", "--target-org", "mock", "--query",
                    "SELECT Id, LastName FROM Contact")["result"]
    assert result["totalSize"] >= CONTACTS and result["done"] is True
    assert len({r["Id"] for r in result["records"]}) == result["totalSize"]


def test_query_all_rows_sees_deleted_records(sf, api):
    doomed = api.Contact.create({"LastName": "Deleted Later"})["id"]
    api.Contact.delete(doomed)
    result = sf.run("data", "query", "--target-org", "mock", "--all-rows", "--query",
                    "SELECT Id, IsDeleted FROM Contact WHERE LastName = 'Deleted Later'")["result"]
    assert [(r["Id"], r["IsDeleted"]) for r in result["records"]] == [(doomed, True)]


def test_query_of_an_unknown_field_reports_salesforce_error(sf):
    answer = sf.run("data", "query", "--target-org", "mock", "--query",
                    "SELECT Nope__c FROM Account", expect_status=1)
    assert "No such column 'Nope__c' on entity 'Account'" in answer["message"]


# -- records -------------------------------------------------------------------------------------
def test_record_create_get_update_delete(sf, api):
    created = sf.run("data", "create", "record", "--target-org", "mock", "--sobject", "Account",
                     "--values", "Name='Initech' Industry=Banking")["result"]
    assert created["success"] is True and created["id"].startswith("001")
    got = sf.run("data", "get", "record", "--target-org", "mock", "--sobject", "Account",
                 "--where", "Name=Initech")["result"]
    assert (got["Id"], got["Industry"]) == (created["id"], "Banking")
    sf.run("data", "update", "record", "--target-org", "mock", "--sobject", "Account",
           "--record-id", created["id"], "--values", "Industry=Chemicals")
    assert api.Account.get(created["id"])["Industry"] == "Chemicals"
    deleted = sf.run("data", "delete", "record", "--target-org", "mock", "--sobject", "Account",
                     "--record-id", created["id"])["result"]
    assert deleted["id"] == created["id"]
    assert api.query(f"SELECT Id FROM Account WHERE Id = '{created['id']}'")["totalSize"] == 0


def test_import_tree_creates_parents_and_children(sf, api):
    tree = {"records": [{"attributes": {"type": "Account", "referenceId": "TreeRef"},
                         "Name": "Tree Co", "Contacts": {"records": [
                             {"attributes": {"type": "Contact", "referenceId": "LeafRef"},
                              "LastName": "Leaf"}]}}]}
    result = sf.run("data", "import", "tree", "--target-org", "mock", "--files",
                    sf.file("tree.json", json.dumps(tree)))["result"]
    ids = {r["refId"]: r["id"] for r in result}
    [leaf] = api.query("SELECT Id, AccountId FROM Contact WHERE LastName = 'Leaf'")["records"]
    assert (leaf["Id"], leaf["AccountId"]) == (ids["LeafRef"], ids["TreeRef"])


# -- Bulk API 2.0 --------------------------------------------------------------------------------
def test_export_bulk_writes_every_record(sf, api):
    sf.run("data", "export", "bulk", "--target-org", "mock", "--wait", "5", "--output-file",
           "accounts.csv", "--query", "SELECT Id, Name FROM Account ORDER BY Name")
    with open(sf.home / "accounts.csv", newline="") as exported:
        rows = list(csv.DictReader(exported))
    expected = api.query("SELECT Id, Name FROM Account ORDER BY Name")["records"]
    assert [(r["Id"], r["Name"]) for r in rows] == [(r["Id"], r["Name"]) for r in expected]


def test_import_bulk_inserts_rows(sf, api):
    name = sf.file("import.csv", "Name,Industry\nImported One,Energy\nImported Two,Retail\n")
    result = sf.run("data", "import", "bulk", "--target-org", "mock", "--sobject", "Account",
                    "--file", name, "--wait", "5")["result"]
    assert (result["processedRecords"], result["successfulRecords"], result["failedRecords"]) == (
        2, 2, 0)
    found = api.query("SELECT Name, Industry FROM Account WHERE Name LIKE 'Imported%' "
                      "ORDER BY Name")["records"]
    assert [(r["Name"], r["Industry"]) for r in found] == [("Imported One", "Energy"),
                                                           ("Imported Two", "Retail")]


def test_update_upsert_and_delete_bulk(sf, api):
    first, second = (api.Lead.create({"LastName": n, "Company": "Bulk Co", "Ext__c": n})["id"]
                     for n in ("First", "Second"))
    updated = sf.run("data", "update", "bulk", "--target-org", "mock", "--sobject", "Lead",
                     "--wait", "5", "--file",
                     sf.file("update.csv", f"Id,Company\n{first},Updated Co\n"))["result"]
    assert (updated["successfulRecords"], updated["failedRecords"]) == (1, 0)
    assert api.Lead.get(first)["Company"] == "Updated Co"
    upserted = sf.run("data", "upsert", "bulk", "--target-org", "mock", "--sobject", "Lead",
                      "--external-id", "Ext__c", "--wait", "5", "--file",
                      sf.file("upsert.csv", "Ext__c,LastName,Company\nSecond,Upserted,Bulk Co\n"
                                            "Third,Inserted,Bulk Co\n"))["result"]
    assert upserted["jobInfo"]["state"] == "JobComplete"
    assert sorted((r["Ext__c"], r["sf__Created"]) for r in upserted["records"]["successfulResults"]) \
        == [("Second", "false"), ("Third", "true")]
    deleted = sf.run("data", "delete", "bulk", "--target-org", "mock", "--sobject", "Lead",
                     "--wait", "5", "--file", sf.file("delete.csv", f"Id\n{first}\n"))["result"]
    assert deleted["jobInfo"]["operation"] == "delete" and deleted["jobInfo"]["state"] == "JobComplete"
    leads = api.query("SELECT Id, LastName, Ext__c FROM Lead ORDER BY Ext__c")["records"]
    assert [(r["Ext__c"], r["LastName"]) for r in leads] == [("Second", "Upserted"),
                                                             ("Third", "Inserted")]
    assert leads[0]["Id"] == second


# -- describes and limits -------------------------------------------------------------------------
def test_sobject_describe(sf):
    result = sf.run("sobject", "describe", "--target-org", "mock", "--sobject", "Account")["result"]
    assert result["name"] == "Account" and result["keyPrefix"] == "001"
    assert {"Id", "Name", "Industry"} <= {f["name"] for f in result["fields"]}


def test_sobject_list(sf):
    result = sf.run("sobject", "list", "--target-org", "mock")["result"]
    assert {"Account", "Contact", "Lead", "Opportunity"} <= set(result)


def test_api_request_rest_limits(sf):
    result = sf.run("api", "request", "rest", "--target-org", "mock",
                    "/services/data/v59.0/limits")["result"]
    assert result["statusCode"] == 200
    assert {"Max", "Remaining"} <= set(result["body"]["DailyApiRequests"])


def test_org_list_limits(sf):
    result = sf.run("org", "list", "limits", "--target-org", "mock")["result"]
    limits = {entry["name"]: entry for entry in result}
    assert limits["DailyApiRequests"]["max"] > 0
    assert 0 <= limits["DailyApiRequests"]["remaining"] <= limits["DailyApiRequests"]["max"]
