"""The identity service's documents: the identity URL, OpenID userinfo and token introspection.

Not emulated: photos (URLs point at the mock but serve nothing), the XML identity format,
custom attributes and ``id_token``.
"""
from __future__ import annotations

from datetime import datetime, timezone

from .models import ConnectedApp, OrgRecord, Token, UserAccount

API_VERSION = "59.0"


def _urls(base_url: str, org_id: str, user_id: str) -> dict:
    data = f"{base_url}/services/data/v{{version}}"
    return {"enterprise": f"{base_url}/services/Soap/c/{{version}}/{org_id}",
            "metadata": f"{base_url}/services/Soap/m/{{version}}/{org_id}",
            "partner": f"{base_url}/services/Soap/u/{{version}}/{org_id}",
            "rest": f"{data}/", "sobjects": f"{data}/sobjects/", "search": f"{data}/search/",
            "query": f"{data}/query/", "recent": f"{data}/recent/",
            "tooling_soap": f"{base_url}/services/Soap/T/{{version}}/{org_id}",
            "tooling_rest": f"{data}/tooling/", "profile": f"{base_url}/{user_id}",
            "feeds": f"{data}/chatter/feeds", "groups": f"{data}/chatter/groups",
            "users": f"{data}/chatter/users", "feed_items": f"{data}/chatter/feed-items",
            "feed_elements": f"{data}/chatter/feed-elements",
            "custom_domain": base_url}


def _iso_z(millis: int) -> str:
    """The identity service's datetimes: ISO 8601 in UTC ending in ``Z`` (``2021-03-05T15:55:20Z``),
    not the REST API's ``+0000`` form."""
    return datetime.fromtimestamp(millis / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity_document(user: UserAccount, org: OrgRecord, base_url: str, modified: int) -> dict:
    """``GET /id/{orgId}/{userId}``: who the user is and where the org's APIs live."""
    display = f"{user.first_name} {user.last_name}".strip() or user.username
    return {"id": f"{base_url}/id/{org.id}/{user.id}", "asserted_user": True,
            "user_id": user.id, "organization_id": org.id, "username": user.username,
            "nick_name": user.username.split("@")[0], "display_name": display,
            "email": user.email, "email_verified": True, "first_name": user.first_name,
            "last_name": user.last_name, "timezone": "GMT",
            "photos": {"picture": f"{base_url}/profilephoto/005/F",
                       "thumbnail": f"{base_url}/profilephoto/005/T"},
            "addr_street": None, "addr_city": None, "addr_state": None, "addr_country": None,
            "addr_zip": None, "mobile_phone": None, "mobile_phone_verified": False,
            "is_lightning_login_user": False, "status": {"created_date": None, "body": None},
            "urls": _urls(base_url, org.id, user.id), "active": True, "user_type": "STANDARD",
            "language": "en_US", "locale": "en_US", "utcOffset": 0,
            "last_modified_date": _iso_z(modified), "is_app_installed": True}


def userinfo(user: UserAccount, org: OrgRecord, base_url: str, modified: int) -> dict:
    """``GET /services/oauth2/userinfo``: the OpenID Connect claims Salesforce sends."""
    display = f"{user.first_name} {user.last_name}".strip() or user.username
    return {"sub": f"{base_url}/id/{org.id}/{user.id}", "user_id": user.id,
            "organization_id": org.id, "preferred_username": user.username,
            "nickname": user.username.split("@")[0], "name": display, "email": user.email,
            "email_verified": True, "given_name": user.first_name, "family_name": user.last_name,
            "zoneinfo": "GMT", "photos": {"picture": f"{base_url}/profilephoto/005/F",
                                          "thumbnail": f"{base_url}/profilephoto/005/T"},
            "profile": f"{base_url}/{user.id}", "picture": f"{base_url}/profilephoto/005/F",
            "address": {}, "phone_number": None, "phone_number_verified": False,
            "is_salesforce_integration_user": False,
            "urls": _urls(base_url, org.id, user.id), "active": True, "user_type": "STANDARD",
            "language": "en_US", "locale": "en_US", "utcOffset": 0,
            "updated_at": _iso_z(modified), "is_app_installed": True}


def introspection(token: Token | None, alive: bool, app: ConnectedApp | None,
                  user: UserAccount | None, base_url: str, expires_ms: int | None) -> dict:
    """``POST /services/oauth2/introspect``: ``{"active": false}`` unless the token is live."""
    if token is None or not alive or user is None:
        return {"active": False}
    body = {"active": True, "scope": token.scope, "client_id": app.client_id if app else None,
            "username": user.username, "sub": f"{base_url}/id/{token.org_id}/{token.user_id}",
            "token_type": "access_token" if token.kind == "access" else "refresh_token",
            "iat": token.issued_at // 1000, "nbf": token.issued_at // 1000}
    if expires_ms is not None:
        body["exp"] = expires_ms // 1000
    return body
