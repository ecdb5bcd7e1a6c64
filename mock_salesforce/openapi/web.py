"""Paths of OAuth, identity, the SOAP login and the Setup pages."""
from __future__ import annotations

from .build import (BEARER, PUBLIC, STRING, body, ok, op, path_param, query_param)

FORM = "application/x-www-form-urlencoded"
GRANTS = ["password", "authorization_code", "refresh_token", "client_credentials",
          "urn:ietf:params:oauth:grant-type:jwt-bearer"]
TOKEN_FORM = {"type": "object", "required": ["grant_type"], "properties": {
    "grant_type": {"type": "string", "enum": GRANTS}, "client_id": STRING, "client_secret": STRING,
    "username": STRING, "password": STRING, "code": STRING, "redirect_uri": STRING,
    "code_verifier": STRING, "refresh_token": STRING, "assertion": STRING, "format": STRING}}
TOKEN = {"type": "object", "required": ["access_token", "instance_url", "id", "token_type"],
         "properties": {"access_token": STRING, "instance_url": STRING, "id": STRING,
                        "token_type": STRING, "issued_at": STRING, "signature": STRING,
                        "refresh_token": STRING, "scope": STRING}}
HTML = {"text/html": {"schema": STRING}}
PAGE = {"200": {"description": "An HTML page", "content": HTML},
        "302": {"description": "A redirect"}}
OAUTH = {"errors": "OAuthError", "security": PUBLIC}
WEB = {"errors": "HtmlError", "security": PUBLIC}
APP_ID = path_param("app_id")
SOAP_BODY = body({"text/xml": {"type": "string", "description": "A SOAP envelope with "
                                                                 "<login> or <logout>"}})


def paths() -> dict:
    """OAuth, identity, SOAP and Setup paths."""
    return {**_oauth(), **_identity(), **_soap(), **_setup()}


def _oauth() -> dict:
    o = "/services/oauth2"
    authorize_query = [query_param(n, required=n in ("response_type", "client_id", "redirect_uri"))
                       for n in ("response_type", "client_id", "redirect_uri", "scope", "state",
                                 "prompt", "code_challenge", "code_challenge_method")]
    return {
        f"{o}/token": {"post": op("oauth", "Exchange a grant for an access token",
                                  ok("The token", TOKEN), request=body({FORM: TOKEN_FORM}), **OAUTH)},
        f"{o}/authorize": {
            "get": op("oauth", "Start the web-server flow (login, then Allow page)", PAGE,
                      params=authorize_query, **WEB),
            "post": op("oauth", "The Allow page's answer", PAGE,
                       request=body({FORM: {"type": "object", "additionalProperties": True}}),
                       **WEB)},
        f"{o}/revoke": {m: op("oauth", "Revoke an access or refresh token",
                              ok("Revoked", False), params=[query_param("token")],
                              request=body({FORM: {"type": "object", "properties": {
                                  "token": STRING}}}, required=False), **OAUTH)
                        for m in ("get", "post")},
        f"{o}/introspect": {"post": op("oauth", "Whether a token is live (client credentials)",
                                       ok("active and the token's claims"),
                                       request=body({FORM: {"type": "object", "properties": {
                                           "token": STRING, "client_id": STRING,
                                           "client_secret": STRING}}}), **OAUTH)},
        f"{o}/singleaccess": {m: op("oauth", "A single-use frontdoor URL for the token's user",
                                    ok("frontdoor_uri"), errors="OAuthError", security=BEARER)
                              for m in ("get", "post")},
        f"{o}/userinfo": {m: op("identity", "OpenID Connect userinfo", ok("The user's claims"),
                                params=[query_param("access_token")], errors="OAuthError",
                                security=BEARER) for m in ("get", "post")},
    }


def _identity() -> dict:
    return {
        "/": {"get": op("identity", "The login page", PAGE, params=[query_param("startURL")], **WEB),
              "post": op("identity", "Log in (starts a browser session)", PAGE,
                         request=body({FORM: {"type": "object", "properties": {
                             "username": STRING, "pw": STRING, "_csrf": STRING,
                             "startURL": STRING}}}), **WEB)},
        "/secur/logout.jsp": {"get": op("identity", "End the browser session", PAGE, **WEB)},
        "/secur/frontdoor.jsp": {"get": op(
            "identity", "Start a browser session from a single-use otp or an access token (sid)",
            PAGE, params=[query_param(n) for n in ("otp", "sid", "retURL", "startURL")], **WEB)},
        "/id/{org_id}/{user_id}": {m: op(
            "identity", "The identity URL of a token (bare 403 for a bad token)",
            ok("The user, org and urls"), params=[path_param("org_id"), path_param("user_id"),
                                                  query_param("oauth_token")],
            errors="HtmlError", security=BEARER) for m in ("get", "post")},
    }


def _soap() -> dict:
    envelope = {"200": {"description": "loginResponse / logoutResponse",
                        "content": {"text/xml": {"schema": STRING}}}}
    version = path_param("version", {"type": "string", "pattern": r"^\d{2,3}\.\d$"})
    return {
        "/services/Soap/u/{version}": {"post": op(
            "soap", "Partner API login() / logout()", envelope, params=[version],
            request=SOAP_BODY, errors="SoapFault", security=PUBLIC)},
        "/services/Soap/u/{version}/{org_id}": {"post": op(
            "soap", "Partner API call on an org's endpoint", envelope,
            params=[version, path_param("org_id")], request=SOAP_BODY, errors="SoapFault",
            security=PUBLIC)},
    }


def _setup() -> dict:
    s = "/setup/connectedApps"
    form = body({FORM: {"type": "object", "additionalProperties": True}})
    return {
        "/setup/secur/RemoteAccessErrorPage.apexp": {"get": op(
            "setup", "Salesforce's OAuth error page", PAGE,
            params=[query_param("error"), query_param("error_description")], **WEB)},
        "/setup/home": {"get": op("setup", "Setup home (after logging in)", PAGE, **WEB)},
        s: {"get": op("setup", "Manage Connected Apps", PAGE, **WEB)},
        f"{s}/usage": {"get": op("setup", "Connected Apps OAuth Usage", PAGE, **WEB)},
        f"{s}/{{app_id}}": {"get": op("setup", "An installed app's policies", PAGE,
                                      params=[APP_ID, query_param("saved")], **WEB)},
        f"{s}/{{app_id}}/users": {"get": op("setup", "An app's users and tokens", PAGE,
                                            params=[APP_ID], **WEB)},
        f"{s}/{{app_id}}/edit": {
            "get": op("setup", "Edit an app's policies", PAGE, params=[APP_ID], **WEB),
            "post": op("setup", "Save an app's policies", PAGE, params=[APP_ID], request=form,
                       **WEB)},
        f"{s}/{{app_id}}/{{action}}": {"post": op(
            "setup", "Install, Uninstall or Revoke", PAGE,
            params=[APP_ID, path_param("action", {"type": "string", "enum": [
                "install", "uninstall", "revoke"]})], request=form, **WEB)},
    }



