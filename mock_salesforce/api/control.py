"""The control plane for tests, under ``/_mock``, apart from the emulated API.

Every call needs the header ``X-Mock-Secret: <control secret>``. Tests use it to arrange the
world: reset, load records (audit fields allowed), move the clock, inject faults, seed ids, set
API usage, add custom fields.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, jsonify, request

from .. import errors
from ..backend import dml, dml_batch
from ..backend.schema import field_from_describe
from ..clock import parse_datetime
from ..errors import ControlError
from . import control_input
from .common import registry

bp = Blueprint("control", __name__, url_prefix="/_mock")


@bp.before_request
def require_secret() -> None:
    """Refuse control calls without the control secret."""
    sent = request.headers.get("X-Mock-Secret", "")
    if not hmac.compare_digest(sent.encode(), (registry().config.control_secret or "").encode()):
        raise ControlError("missing or wrong X-Mock-Secret", 403)


_body = control_input.body


def org_for(key: str):
    """The org a control-plane path names (``default`` is the configured one); 404 otherwise."""
    org = registry().org(key) if key != "default" else registry().default_org
    if org is None:
        raise ControlError(f"no org {key!r}", 404)
    return org


@bp.post("/reset")
def reset():
    """Drop everything and rebuild the orgs from the server's configuration."""
    registry().reset()
    return jsonify({"orgs": [o.id for o in registry().orgs.values()]})


@bp.get("/orgs")
def orgs():
    """The orgs of this server, their users and apps."""
    backend = registry()
    return jsonify([{"id": o.id, "key": o.key, "name": o.name, "isSandbox": o.is_sandbox,
                     "apps": [a.client_id for a in backend.apps(o.id)]}
                    for o in backend.orgs.values()])


@bp.post("/orgs/<key>/records/<sobject>")
def load(key, sobject):
    """Insert records in one transaction; audit fields (CreatedDate, SystemModstamp…) may be set."""
    org = org_for(key)
    body = control_input.texts(_body(), "userId")
    records = body.get("records")
    if not isinstance(records, list):
        raise ControlError("expected {\"records\": [...]}")
    definition = org.sobject(sobject)
    user = org.store.get(org.sobject("User"), body["userId"]) if body.get("userId") else None
    owner = user["Id"] if user else org.first_user_id()
    created = dml_batch.bulk_create(org, definition, records, owner, audit=True)
    return jsonify({"ids": created}), 201


@bp.post("/orgs/<key>/fields/<sobject>")
def add_field(key, sobject):
    """Create a custom field from a describe ``fields[]`` entry (``{"name": "X__c", "type": ...}``)."""
    org = org_for(key)
    definition = org.sobject(sobject)
    entry = control_input.texts(_body(), "name", "type", "label")
    if not str(entry.get("name", "")).endswith("__c"):
        raise ControlError("custom field names end in __c")
    try:
        field = field_from_describe({"custom": True, **entry})
    except (KeyError, ValueError, TypeError) as error:
        raise ControlError(str(error)) from None
    org.add_field(definition, field)
    return jsonify(field.describe()), 201


@bp.post("/orgs/<key>/objects")
def add_object(key):
    """Create a custom object (or add fields to one) from a describe document."""
    document = control_input.texts(_body(), "name", "label", "keyPrefix")
    if not document.get("name") or not isinstance(document.get("fields", []), list) or \
            not all(isinstance(f, dict) for f in document.get("fields", [])):
        raise ControlError('bad describe document: expected {"name": ..., "fields": [{...}]}')
    try:
        definition = org_for(key).apply_describe(document)
    except (KeyError, ValueError, TypeError) as error:
        raise ControlError(f"bad describe document: {error}") from None
    return jsonify({"name": definition.name, "keyPrefix": definition.key_prefix}), 201


@bp.post("/orgs/<key>/convert-lead")
def convert_lead(key):
    """Convert a lead (Salesforce's convertLead): ``{"leadId", "accountId"?}`` → new contact id."""
    org = org_for(key)
    body = control_input.texts(_body(), "leadId", "accountId")
    if not body.get("leadId"):
        raise ControlError("expected {\"leadId\": ...}")
    return jsonify(dml.convert_lead(org, body["leadId"], org.first_user_id(), body.get("accountId"))), 201


@bp.post("/orgs/<key>/usage")
def set_usage(key):
    """Pretend the org already made ``used`` API calls in the last 24 hours."""
    org = org_for(key)
    body = _body()
    if "limit" in body:
        org.usage.limit = control_input.integer(body, "limit", 0)
    org.usage.set_used(org.clock.now(), control_input.integer(body, "used", 0))
    return jsonify({"used": org.usage.used(org.clock.now()), "limit": org.usage.limit})


@bp.post("/orgs/<key>/ids")
def seed_ids(key):
    """Make the next ids deterministic: ``{"start": N}`` (objects whose ids already reach N
    continue after their highest id: ids never collide)."""
    start = _body().get("start", 0)
    if not isinstance(start, int) or isinstance(start, bool):
        raise ControlError('expected {"start": <integer>}')
    try:
        org_for(key).seed_ids(start)
    except ValueError as error:
        raise ControlError(str(error)) from None
    return jsonify({"ok": True})


@bp.route("/clock", methods=["GET", "POST"])
def clock():
    """Read or move the org clock: ``{"advance": seconds}`` or ``{"set": iso, "frozen": bool}``."""
    backend = registry()
    if request.method == "POST":
        body = _body()
        try:
            if "set" in body:
                control_input.texts(body, "set")
                backend.clock.set(parse_datetime(body["set"] or ""), frozen=bool(body.get("frozen")))
            elif "advance" in body:
                # a century either way: further would leave the calendar
                backend.clock.advance(control_input.number(body, "advance", 0, 3.2e9))
            elif body.get("reset"):
                backend.clock.reset()
            else:
                raise ControlError("expected advance, set or reset")
        except (ValueError, OverflowError) as error:
            raise ControlError(str(error)) from None
    return jsonify(backend.clock.state())


@bp.route("/faults", methods=["GET", "POST", "DELETE"])
def faults():
    """Arm (POST ``{"kind", "count", "path", "delay", "rate", "seed"}``), list or clear faults."""
    injector = registry().faults
    if request.method == "POST":
        body = _body()
        try:
            injector.arm(str(body.get("kind")), int(body.get("count", 1)), str(body.get("path", "")),
                         float(body.get("delay", 0)), float(body.get("rate", 1)),
                         int(body.get("seed", 0)))
        except (TypeError, ValueError) as error:
            raise ControlError(str(error)) from None
    elif request.method == "DELETE":
        injector.clear()
    return jsonify(injector.list())


@bp.errorhandler(errors.SalesforceError)
def control_salesforce_error(error):
    """Salesforce errors raised while loading records keep their envelope."""
    return jsonify([error.to_dict()]), error.status
