"""From an API session into the browser: ``/services/oauth2/singleaccess`` and ``frontdoor.jsp``."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest


def front_door_path(client, auth, **params) -> str:
    response = client.get("/services/oauth2/singleaccess", headers=auth, query_string=params)
    assert response.status_code == 200
    url = urlsplit(response.json["frontdoor_uri"])
    assert url.path == "/secur/frontdoor.jsp"
    return f"{url.path}?{url.query}"


def test_a_front_door_url_logs_the_browser_in_once(client, auth):
    path = front_door_path(client, auth)
    first = client.get(path)
    assert first.status_code == 302 and first.headers["Location"].endswith("/setup/home")
    assert "sid=" in first.headers["Set-Cookie"]
    assert client.get("/setup/home").status_code == 200
    browser = client.application.test_client()  # a second browser, no cookie
    again = browser.get(path)
    assert again.status_code == 302 and urlsplit(again.headers["Location"]).path == "/"


def test_the_redirect_uri_is_where_the_browser_lands(client, auth):
    path = front_door_path(client, auth, redirect_uri="/setup/connectedApps")
    assert client.get(path).headers["Location"].endswith("/setup/connectedApps")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_a_foreign_redirect_uri_is_ignored(client, auth, target):
    path = front_door_path(client, auth, redirect_uri=target)
    assert client.get(path).headers["Location"].endswith("/setup/home")


def test_an_access_token_as_sid_logs_in_too(client, token):
    response = client.get("/secur/frontdoor.jsp", query_string={"sid": token,
                                                                "retURL": "/setup/home"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/setup/home")
    assert client.get("/setup/home").status_code == 200


def test_a_bad_token_gets_no_front_door(client):
    response = client.get("/services/oauth2/singleaccess",
                          headers={"Authorization": "Bearer nope"})
    assert response.status_code == 403
    bad = client.get("/secur/frontdoor.jsp", query_string={"sid": "nope"})
    assert bad.status_code == 302 and urlsplit(bad.headers["Location"]).path == "/"


def test_an_expired_otp_is_refused(client, auth, app):
    path = front_door_path(client, auth)
    app.extensions["mock_salesforce"].clock.advance(seconds=301)
    response = client.get(path)
    assert urlsplit(response.headers["Location"]).path == "/"
