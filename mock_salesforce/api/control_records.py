"""Control plane for records: the recycle bin and calculated fields (``/_mock``, secret required).

``POST /_mock/orgs/<key>/undelete {"ids": [...]}`` restores deleted records;
``POST /_mock/orgs/<key>/purge {"ids": [...]}`` hard-deletes records (they leave ``queryAll``
but ``/deleted`` still lists them for 30 days). Both answer
``{"results": [{id, success, errors}]}``.
``POST /_mock/orgs/<key>/calculated/<sobject> {"records": [{"Id", "<Formula__c>": value}]}``
sets what formula or roll-up fields now evaluate to, leaving every stamp alone.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..backend import calculated, recycle_bin
from ..errors import ControlError
from .control import org_for, require_secret

bp = Blueprint("control_records", __name__, url_prefix="/_mock")
bp.before_request(require_secret)


def _ids() -> list:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
        raise ControlError('expected {"ids": [...]}')
    return body["ids"]


@bp.post("/orgs/<key>/undelete")
def undelete(key):
    """Restore records from the recycle bin."""
    return jsonify({"results": recycle_bin.undelete(org_for(key), _ids())})


@bp.post("/orgs/<key>/purge")
def purge(key):
    """Remove records for good (the deleted log keeps them for ``/deleted``)."""
    return jsonify({"results": recycle_bin.purge(org_for(key), _ids())})


@bp.post("/orgs/<key>/calculated/<sobject>")
def recalculate(key, sobject):
    """New values of calculated fields; ``SystemModstamp`` and ``LastModifiedDate`` do not move."""
    org = org_for(key)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ControlError('expected {"records": [{"Id": ..., "<field>": value}]}')
    try:
        count = calculated.recalculate(org, org.sobject(sobject), body["records"])
    except KeyError as error:
        raise ControlError(f"no {sobject} record {error.args[0]}", 404) from None
    except ValueError as error:
        raise ControlError(str(error)) from None
    return jsonify({"recalculated": count})
