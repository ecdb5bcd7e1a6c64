"""sObject Tree: ``POST /composite/tree/{T}`` creates record trees (parents and their children)
in one all-or-none call — ``sf data import tree`` loads its plan files through it.

Each record carries ``attributes {type, referenceId}``; a child relationship name
(``"Contacts": {"records": [...]}``) holds its children, whose lookup to the parent is set from
the parent's new Id. Up to 200 records in all, 5 levels deep. Success: 201
``{"hasErrors": false, "results": [{"referenceId", "id"}]}``, parents' level before their
children's; any failing record: 400 ``{"hasErrors": true, "results": [{"referenceId",
"errors": [{"statusCode", "message", "fields"}]}]}`` and nothing is written. A malformed body
(no ``records``, a missing ``referenceId``, a top-level type other than ``{T}``) is an
``INVALID_INPUT`` error; those messages, and that of the 200-record cap, are guesses.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field

from .. import errors
from . import dml, dml_batch
from .schema import SObjectDef

MAX_RECORDS = 200
MAX_DEPTH = 5


@dataclass
class _Node:
    """One record of a tree, checked and ready to insert."""

    reference_id: str
    sobject: SObjectDef
    level: int
    row: dict | None = None
    link: str | None = None  # the lookup field that points at the parent
    parent: "_Node | None" = None
    error: errors.SalesforceError | None = None
    children: list["_Node"] = dc_field(default_factory=list)


def _records(body: object) -> list:
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise errors.INVALID_INPUT("Expected {\"records\": [...]} in the request body")
    return body["records"]


def _read(org, records: list, sobject_name: str | None, parent: _Node | None, level: int,
          nodes: list, references: set) -> list[_Node]:
    """Walk one ``records`` list into nodes (checks the structure, not the field values)."""
    if level > MAX_DEPTH:
        raise errors.INVALID_INPUT(f"A tree can be at most {MAX_DEPTH} levels deep")
    read: list[_Node] = []
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("attributes"), dict):
            raise errors.INVALID_INPUT("Each record needs attributes with type and referenceId")
        attributes = record["attributes"]
        reference_id, type_name = attributes.get("referenceId"), attributes.get("type")
        if not reference_id or not type_name:
            raise errors.INVALID_INPUT("Each record needs attributes with type and referenceId")
        if reference_id in references:
            raise errors.INVALID_INPUT(f"Duplicate ReferenceId provided in the request: "
                                       f"{reference_id}")
        references.add(reference_id)
        sobject = org.sobject(type_name)
        if sobject_name is not None and sobject.name.lower() != sobject_name.lower():
            raise errors.INVALID_INPUT(f"The type of each top-level record must be {sobject_name}")
        node = _Node(reference_id, sobject, level, parent=parent)
        nodes.append(node)
        body = {"attributes": attributes}
        for key, value in record.items():
            relationship = sobject.child_relationship(key) if key != "attributes" else None
            if relationship is None:
                body[key] = value
                continue
            child_name = relationship.child_sobject
            kids = _read(org, _records(value), child_name, node, level + 1, nodes, references)
            for kid in kids:
                kid.link = relationship.field
            node.children += kids
        node.row = body
        read.append(node)
    return read


def create_tree(org, sobject_name: str, body: object, user_id: str) -> tuple[bool, list[dict]]:
    """Insert the trees of one call: ``(has_errors, results)``."""
    sobject = org.sobject(sobject_name, errors.NOT_FOUND)
    nodes: list[_Node] = []
    _read(org, _records(body), sobject.name, None, 1, nodes, set())
    if len(nodes) > MAX_RECORDS:
        raise errors.EXCEEDED_ID_LIMIT(f"record limit reached. cannot submit more than "
                                       f"{MAX_RECORDS} records into this call")
    with org.store.write_lock:
        for node in nodes:  # parents come before their children in this list
            try:
                values = {k: v for k, v in node.row.items() if k != "attributes"}
                if node.link is not None:
                    values = {k: v for k, v in values.items() if k.lower() != node.link.lower()}
                row = dml.prepare(org, node.sobject, values, creating=True, user_id=user_id,
                                  check_refs=False)
                dml_batch.check_references(org, node.sobject, [row])
                if node.link is not None:
                    row[node.link] = node.parent.row["Id"] if node.parent.error is None else None
                node.row = row
            except errors.SalesforceError as error:
                node.error = error
        failed = [n for n in nodes if n.error is not None]
        if failed:
            return True, [{"referenceId": n.reference_id, "errors": [n.error.dml_error()]}
                          for n in failed]
        with org.store.engine.begin() as conn:
            for node in sorted(nodes, key=lambda n: n.level):
                org.store.insert_many(node.sobject, [node.row], conn)
    return False, [{"referenceId": n.reference_id, "id": n.row["Id"]}
                   for n in sorted(nodes, key=lambda n: n.level)]
