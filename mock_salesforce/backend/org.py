"""One org: its metadata, its record tables, its API usage and request journal, its id sequence and its Bulk jobs
(Bulk API 2.0 query and ingest jobs, Bulk API 1.0 jobs)."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from .. import errors
from ..clock import Clock
from . import ids
from .bulk import QueryJobs
from .bulk1 import BulkJobs
from .bulk_ingest import IngestJobs
from .journal import DEFAULT_CAPACITY, Journal
from .limits import ApiUsage
from .schema import FieldDef, Schema, SObjectDef, field_from_describe, load_describe_files
from .standard_objects import standard_objects, sobject as standard_sobject
from .store import Store


class Org:
    """The state and rules of one Salesforce org (never touches HTTP)."""

    def __init__(self, org_id: str, key: str, name: str, engine: sa.Engine, clock: Clock, *,
                 is_sandbox: bool = False, api_limit: int = 100_000,
                 schema_files: list[str] | None = None, id_seed: int = 0,
                 journal_size: int = DEFAULT_CAPACITY) -> None:
        self.id = org_id
        self.key = key
        self.name = name
        self.is_sandbox = is_sandbox
        self.clock = clock
        self.usage = ApiUsage(api_limit)
        self.journal = Journal(journal_size)
        self.schema = Schema(standard_objects())
        self.schema_changed = clock.now()  # describe's Last-Modified
        for path in schema_files or []:
            for document in load_describe_files(path):
                self.apply_describe(document)
        self.store = Store(engine, key)
        self.store.create_all(self.schema.objects())
        self._id_lock = threading.Lock()
        self._counter = max(id_seed, self._highest_id())
        self._floors: dict[str, int] = {}  # key prefix → highest counter in use, after a re-seed
        self.query_jobs = QueryJobs(self)
        self.bulk_jobs = BulkJobs(self)
        self.ingest_jobs = IngestJobs(self)

    def first_user_id(self) -> str:
        """The org's first user (its admin): the owner of records loaded without one."""
        table = self.store.table(self.sobject("User"))
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.min(table.c.Id))).scalar_one()

    # -- metadata ----------------------------------------------------------------------------
    def sobject(self, name: str, not_found: type = errors.INVALID_TYPE) -> SObjectDef:
        """An object by name, or the error the calling endpoint uses for unknown objects."""
        definition = self.schema.get(name)
        if definition is None:
            if not_found is errors.NOT_FOUND:
                raise errors.NOT_FOUND("The requested resource does not exist")
            raise not_found(f"sObject type '{name}' is not supported.")
        return definition

    def apply_describe(self, document: dict) -> SObjectDef:
        """Add an object, or custom fields to an existing one, from a real describe document."""
        name = document["name"]
        existing = self.schema.get(name)
        fields = [field_from_describe(entry) for entry in document.get("fields", [])]
        if existing is None:
            custom = [f for f in fields if f.name not in ("Id", "IsDeleted", "OwnerId", "CreatedDate",
                      "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp")]
            # An exported describe lists OwnerId unless the object is the detail of a master-detail;
            # a partial document (custom fields only, no Id) describes an ordinary owned object.
            has_system_fields = any(f.name == "Id" for f in fields)
            owned = any(f.name == "OwnerId" for f in fields) or not has_system_fields
            definition = standard_sobject(
                name, document.get("keyPrefix") or self._custom_prefix(), custom, owned=owned,
                label=document.get("label", ""), label_plural=document.get("labelPlural", ""),
                custom=document.get("custom", name.endswith("__c")),
                queryable=document.get("queryable", True))
            self.schema.add(definition)
            self.schema_changed = self.clock.now()
            if hasattr(self, "store"):
                self.store.create_all([definition])
            return definition
        for field in fields:
            if existing.field(field.name) is None:
                self.add_field(existing, field)
        return existing

    def add_field(self, sobject: SObjectDef, field: FieldDef) -> None:
        """Create a (custom) field at runtime; its column is added to the table."""
        self.schema_changed = self.clock.now()
        sobject.add_field(field)
        self.schema.link()
        if hasattr(self, "store"):
            self.store.add_column(sobject, field)

    def _custom_prefix(self) -> str:
        used = {o.key_prefix for o in self.schema.objects()}
        for number in range(36 * 36):
            prefix = "a" + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[number // 36] + \
                "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[number % 36]
            if prefix not in used:
                return prefix
        raise errors.UNKNOWN_EXCEPTION("no key prefix left for a custom object")

    # -- ids ---------------------------------------------------------------------------------
    def new_id(self, sobject: SObjectDef) -> str:
        """The next record id for this object."""
        with self._id_lock:
            self._counter += 1
            floor = self._floors.get(sobject.key_prefix)
            if floor is not None and self._counter <= floor:
                self._counter = floor + 1  # never hand out an id a record already has
            return ids.make_id(sobject.key_prefix, self._counter)

    def new_ids(self, sobject: SObjectDef, count: int) -> list[str]:
        """The next ``count`` record ids for this object: the ids ``count`` calls of
        :meth:`new_id` would give, taken at once."""
        with self._id_lock:
            first = self._counter + 1
            floor = self._floors.get(sobject.key_prefix)
            if floor is not None and first <= floor:
                first = floor + 1
            self._counter = first + count - 1 if count else self._counter
            return ids.make_ids(sobject.key_prefix, first, count)

    def seed_ids(self, start: int) -> None:
        """Make id generation deterministic from ``start`` (control plane).

        Objects whose records already use ids at or past ``start`` continue after their highest
        id instead, so a seed can never make an insert collide with an existing record.
        """
        if not 0 <= start < ids.MAX_NUMBER:
            raise ValueError(f"start must be an integer from 0 to {ids.MAX_NUMBER - 1}")
        with self._id_lock:
            self._counter = start
            self._floors = {prefix: top for prefix, top in self._highest_by_prefix().items()
                            if top > start}

    def _highest_id(self) -> int:
        return max(self._highest_by_prefix().values(), default=0)

    def _highest_by_prefix(self) -> dict[str, int]:
        highest: dict[str, int] = {}
        with self.store.engine.connect() as conn:
            for sobject in self.schema.objects():
                table = self.store.table(sobject)
                top = conn.execute(sa.select(sa.func.max(table.c.Id))).scalar()
                if top:
                    highest[sobject.key_prefix] = max(highest.get(sobject.key_prefix, 0),
                                                      ids.record_number(top))
        return highest

