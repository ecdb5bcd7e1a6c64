"""Token and connected-app policy rules, as pure functions and through the backend, on a moved clock."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mock_salesforce.backend.oauth import hosts, policies
from mock_salesforce.backend.oauth.apps import AppAdmin
from mock_salesforce.backend.oauth.codes import AuthorizationCodes, s256
from mock_salesforce.backend.oauth.grants import LoginContext
from mock_salesforce.backend.oauth.sessions import WebSessions
from mock_salesforce.backend.registry import Registry
from mock_salesforce.config import MockConfig
from mock_salesforce import errors
from mock_salesforce.errors import OAuthError

T0 = datetime(2024, 1, 31, 12, 0, tzinfo=timezone.utc)
CALLBACK = "https://app.example.com/callback"
CTX = LoginContext("https://127.0.0.1:8443", "127.0.0.1")
HOUR, DAY = 3600, 86400


def at(**delta: int) -> datetime:
    """T0 plus one period, e.g. ``at(hours=2)``."""
    (unit, count), = delta.items()
    return policies.add_period(T0, count, unit)


# -- refresh token policy (pure) -------------------------------------------------------------
def test_valid_until_revoked_never_expires():
    policy = policies.RefreshPolicy("infinite")
    assert not policy.expired(T0, T0, at(months=120))


def test_immediately_expire_is_dead_at_once():
    assert policies.RefreshPolicy("zero").expired(T0, T0, T0)


def test_expire_if_not_used_counts_from_last_use():
    policy = policies.RefreshPolicy("idle", 2, "hours")
    assert not policy.expired(T0, at(hours=1), at(hours=2))
    assert policy.expired(T0, at(hours=1), at(hours=3))


def test_expire_after_counts_from_issue_whatever_the_use():
    policy = policies.RefreshPolicy("absolute", 2, "hours")
    assert policy.expired(T0, at(hours=1), at(hours=2))


def test_months_are_calendar_months():
    assert policies.add_period(T0, 1, "months") == datetime(2024, 2, 29, 12, 0, tzinfo=timezone.utc)


def test_minutes_and_days_are_exact():
    assert policies.add_period(T0, 90, "minutes") == datetime(2024, 1, 31, 13, 30, tzinfo=timezone.utc)
    assert policies.add_period(T0, 2, "days") == datetime(2024, 2, 2, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("args,message", [
    (("forever",), "refresh token policy must be one of infinite, zero, idle, absolute"),
    (("idle", 1, "weeks"), "refresh token unit must be one of minutes, hours, days, months"),
    (("absolute", 0, "hours"), "refresh token validity must be a positive number"),
])
def test_bad_refresh_policies_are_refused(args, message):
    with pytest.raises(ValueError, match=message):
        policies.RefreshPolicy(*args)


# -- IP ranges (pure) ------------------------------------------------------------------------
def test_ranges_accept_cidr_dash_pairs_and_single_addresses():
    assert policies.parse_ranges(["10.0.0.0/30", "192.168.1.5-192.168.1.9", ["1.1.1.1", "1.1.1.2"],
                                  "8.8.8.8"]) == [["10.0.0.0", "10.0.0.3"],
                                                  ["192.168.1.5", "192.168.1.9"],
                                                  ["1.1.1.1", "1.1.1.2"], ["8.8.8.8", "8.8.8.8"]]


def test_reversed_range_is_refused():
    with pytest.raises(ValueError, match="not an IP range"):
        policies.parse_ranges(["10.0.0.9-10.0.0.1"])


def test_no_ranges_means_every_address_is_trusted():
    assert policies.ip_in_ranges("203.0.113.7", [])


def test_address_outside_the_ranges_is_not_trusted():
    ranges = policies.parse_ranges(["10.0.0.0/8"])
    assert policies.ip_in_ranges("10.2.3.4", ranges) and not policies.ip_in_ranges("11.0.0.1", ranges)


def test_relaxed_for_refresh_tokens_checks_every_other_grant():
    assert not policies.ip_enforced("enforce_except_refresh", "refresh_token")
    assert policies.ip_enforced("enforce_except_refresh", "password")
    assert not policies.ip_enforced("relax", "password")


def test_app_without_timeout_uses_the_org_session_timeout():
    assert policies.session_timeout(0, 7200) == 7200 and policies.session_timeout(900, 7200) == 900


# -- login hosts (pure) ----------------------------------------------------------------------
@pytest.mark.parametrize("host,tag,domain", [
    ("login.salesforce.com", None, "login"), ("test.salesforce.com:443", None, "test"),
    ("127.0.0.1:8443", None, None), ("acme.my.salesforce.com", None, None),
    ("127.0.0.1:9443", "test", "test"), ("localhost", None, None)])
def test_login_domain_of_a_request(host, tag, domain):
    assert hosts.login_domain(host, tag) == domain


def test_production_host_refuses_sandbox_users_and_my_domain_takes_both():
    assert hosts.admits("login", False) and not hosts.admits("login", True)
    assert hosts.admits("test", True) and not hosts.admits("test", False)
    assert hosts.admits(None, True) and hosts.admits(None, False)


# -- through the backend, on the org clock ---------------------------------------------------
@pytest.fixture
def registry(tmp_path):
    config = MockConfig(db_url=str(tmp_path / "org.db"), password="pw", client_secret="secret",
                        callback_urls=[CALLBACK])
    backend = Registry(config)
    backend.clock.set(T0, frozen=True)
    return backend


@pytest.fixture
def admin(registry):
    return AppAdmin(registry)


def code_token(registry, scope="api refresh_token") -> dict:
    """Tokens from the web-server flow for the configured user."""
    codes = AuthorizationCodes(registry)
    config = registry.config
    request = codes.check({"response_type": "code", "client_id": config.client_id,
                           "redirect_uri": CALLBACK, "scope": scope})
    user = registry.grants.find_user(config.username)
    code = codes.approve(request, user)
    return registry.grants.token({"grant_type": "authorization_code", "code": code,
                                  "client_id": config.client_id, "client_secret": "secret",
                                  "redirect_uri": CALLBACK}, CTX)


def refresh(registry, refresh_token: str) -> dict:
    return registry.grants.token({"grant_type": "refresh_token", "refresh_token": refresh_token,
                                  "client_id": registry.config.client_id,
                                  "client_secret": "secret"}, CTX)


def test_idle_refresh_token_lives_while_it_is_used(registry, admin):
    admin.update_app(registry.config.client_id, {"refresh_token_policy": "idle",
                                                 "refresh_token_validity": 1,
                                                 "refresh_token_unit": "days"})
    token = code_token(registry)["refresh_token"]
    for _ in range(3):
        registry.clock.advance(DAY - 60)
        assert refresh(registry, token)["access_token"]


def test_idle_refresh_token_dies_after_the_idle_period(registry, admin):
    admin.update_app(registry.config.client_id, {"refresh_token_policy": "idle",
                                                 "refresh_token_validity": 1,
                                                 "refresh_token_unit": "days"})
    token = code_token(registry)["refresh_token"]
    registry.clock.advance(DAY)
    with pytest.raises(OAuthError, match="invalid_grant: expired access/refresh token"):
        refresh(registry, token)


def test_absolute_refresh_token_dies_however_often_it_is_used(registry, admin):
    admin.update_app(registry.config.client_id, {"refresh_token_policy": "absolute",
                                                 "refresh_token_validity": 2,
                                                 "refresh_token_unit": "hours"})
    token = code_token(registry)["refresh_token"]
    registry.clock.advance(HOUR)
    refresh(registry, token)
    registry.clock.advance(HOUR)
    with pytest.raises(OAuthError, match="expired access/refresh token"):
        refresh(registry, token)


def test_policy_change_applies_to_tokens_already_issued(registry, admin):
    token = code_token(registry)["refresh_token"]
    registry.clock.advance(3 * HOUR)
    admin.update_app(registry.config.client_id, {"refresh_token_policy": "absolute",
                                                 "refresh_token_validity": 2,
                                                 "refresh_token_unit": "hours"})
    with pytest.raises(OAuthError, match="expired access/refresh token"):
        refresh(registry, token)


def test_month_policy_expires_on_the_calendar_date(registry, admin):
    admin.update_app(registry.config.client_id, {"refresh_token_policy": "absolute",
                                                 "refresh_token_validity": 1,
                                                 "refresh_token_unit": "months"})
    token = code_token(registry)["refresh_token"]
    registry.clock.set(datetime(2024, 2, 29, 11, 59, tzinfo=timezone.utc), frozen=True)
    refresh(registry, token)
    registry.clock.set(datetime(2024, 2, 29, 12, 0, tzinfo=timezone.utc), frozen=True)
    with pytest.raises(OAuthError, match="expired access/refresh token"):
        refresh(registry, token)


def test_access_token_lives_for_the_app_session_timeout(registry, admin):
    admin.update_app(registry.config.client_id, {"session_timeout": 900})
    access = code_token(registry)["access_token"]
    registry.clock.advance(899)
    assert registry.tokens.check_access(access).user_id
    registry.clock.advance(900)
    with pytest.raises(errors.INVALID_SESSION_ID):
        registry.tokens.check_access(access)


def test_rotation_kills_the_used_refresh_token(registry, admin):
    admin.update_app(registry.config.client_id, {"rotate_refresh_tokens": True})
    first = code_token(registry)["refresh_token"]
    second = refresh(registry, first)["refresh_token"]
    assert second != first and refresh(registry, second)["access_token"]
    with pytest.raises(OAuthError, match="expired access/refresh token"):
        refresh(registry, first)


def test_without_rotation_the_refresh_response_has_no_refresh_token(registry):
    token = code_token(registry)["refresh_token"]
    assert "refresh_token" not in refresh(registry, token)


def test_code_expires_after_fifteen_minutes(registry):
    codes = AuthorizationCodes(registry)
    config = registry.config
    request = codes.check({"response_type": "code", "client_id": config.client_id,
                           "redirect_uri": CALLBACK})
    code = codes.approve(request, registry.grants.find_user(config.username))
    registry.clock.advance(15 * 60)
    with pytest.raises(OAuthError, match="invalid_grant: expired authorization code"):
        registry.grants.token({"grant_type": "authorization_code", "code": code,
                               "client_id": config.client_id, "client_secret": "secret",
                               "redirect_uri": CALLBACK}, CTX)


def test_pkce_challenge_is_base64url_sha256_of_the_verifier():
    # RFC 7636 appendix B.
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == \
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_browser_session_expires_with_the_org_session_timeout(registry):
    sessions = WebSessions(registry.engine, registry.clock, 600)
    visitor = sessions.log_in(sessions.visitor(None), "005x", "00Dx")
    registry.clock.advance(599)
    assert sessions.visitor(visitor.sid).user_id == "005x"
    registry.clock.advance(600)
    assert sessions.visitor(visitor.sid).user_id is None


def test_login_gives_the_browser_a_new_session_id(registry):
    sessions = WebSessions(registry.engine, registry.clock, 600)
    anonymous = sessions.visitor(None)
    logged_in = sessions.log_in(anonymous, "005x", "00Dx")
    assert logged_in.sid != anonymous.sid and sessions.visitor(anonymous.sid).user_id is None
