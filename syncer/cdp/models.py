"""The CDP schema (sqlmodel tables, prefixed ``cdp_``) and how it evolves.

Layout. People and organisations keep their lookup fields as indexed columns — ``email`` and
``phone`` on ``cdp_person``, ``name_key`` (trimmed, case-folded name) on ``cdp_organization`` —
and every other field value in one JSON column keyed by CDP field id, so a merge reads and
writes one row per record however many custom fields are mapped. Hidden Salesforce Ids live in
``cdp_sf_link``, unique per (data source, Id); a link points at a person (Contact/Lead) or an
organisation (Account) and remembers the contact's AccountId, a lead's ConvertedContactId and
the SystemModstamp last merged. Activities are unique per (data source, activity key).
Custom-object records (rule 53) are unique per (data source, object, Id); they keep their
fields as JSON keyed by Salesforce field name, the identifier that finds their person, and the
person found (NULL while none is).

Evolution. ``cdp_schema_version`` holds one row with the schema version of the database.
``migrate`` runs when a ``CDP`` opens a database:
- a database without that table is new: all tables are created at the current shape and stamped
  ``SCHEMA_VERSION`` (the tables below always describe the newest schema);
- a database at version *v* < ``SCHEMA_VERSION`` runs ``MIGRATIONS[v + 1]``, ``[v + 2]``, … in
  order, each with its version bump in one transaction, so a failed step leaves *v* intact;
- a database newer than this code raises ``SchemaVersionError`` rather than guess.
To change the schema: edit the tables, add ``MIGRATIONS[n] = upgrade_fn`` (``upgrade_fn(conn)``
issues the ``ALTER``/backfill statements for both SQLite and PostgreSQL), bump
``SCHEMA_VERSION`` to *n*, and add a test that opens a version *n − 1* database.
Version 1 is the initial schema and has no migration; version 2 adds ``cdp_custom_record``;
version 3 adds ``cdp_person.created_by_source_id`` (rule 19); version 4 adds ``sync_backfill``
(a backfill's cursor, rule 34), which earlier syncers created when a backfill first ran.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from . import fields as f

SCHEMA_VERSION = 4
#: version → function upgrading a database from version - 1 to version.
MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {}

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
#: Person fields stored as columns (all others go to ``field_values``).
PERSON_COLUMNS = {f.FIRST: "first_name", f.LAST: "last_name", f.EMAIL: "email", f.PHONE: "phone"}
ORG_COLUMNS = {f.ORG_NAME: "name"}


def utcnow() -> datetime:
    """Now, in UTC (every stored datetime is aware UTC: sqlmodel's ``UTCDateTime``)."""
    return datetime.now(UTC)


def _partial_index(name: str, column: str, *leading: str) -> sa.Index:
    """An index over the rows where ``column`` is set: most links leave it NULL, and every
    index entry costs a write per merged record."""
    where = sa.text(f"{column} IS NOT NULL")
    return sa.Index(name, *leading, column, sqlite_where=where, postgresql_where=where)


class CDPModel(SQLModel, registry=registry()):
    """Base of CDP tables: own metadata, so creating the CDP never creates anyone else's tables."""


class SchemaVersion(CDPModel, table=True):
    """The single row recording the schema version of this database."""

    __tablename__ = "cdp_schema_version"
    id: int = Field(default=1, primary_key=True)
    version: int


class DataSource(CDPModel, table=True):
    """A connected Salesforce org (rules 45–47); ``bookmarks`` holds the syncer's cursors."""

    __tablename__ = "cdp_data_source"
    id: int | None = Field(default=None, primary_key=True)
    name: str
    kind: str = "salesforce"
    org_id: str | None = Field(default=None, index=True)
    state: str = "Connected"
    status_note: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(JSON, nullable=False))
    bookmarks: dict[str, Any] = Field(default_factory=dict,
                                      sa_column=sa.Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Organization(CDPModel, table=True):
    """An organisation; ``name_key`` is the indexed merge key, other fields in ``field_values``."""

    __tablename__ = "cdp_organization"
    id: int | None = Field(default=None, primary_key=True)
    name: str | None = None
    name_key: str | None = Field(default=None, index=True)
    field_values: dict[str, Any] = Field(default_factory=dict,
                                         sa_column=sa.Column(JSON, nullable=False))
    archived: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Person(CDPModel, table=True):
    """A person; merge keys are indexed columns, other fields in ``field_values``."""

    __tablename__ = "cdp_person"
    __table_args__ = (_partial_index("ix_cdp_person_organization", "organization_id"),)
    id: int | None = Field(default=None, primary_key=True)
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = Field(default=None, index=True)
    phone: str | None = Field(default=None, index=True)
    field_values: dict[str, Any] = Field(default_factory=dict,
                                         sa_column=sa.Column(JSON, nullable=False))
    email_permission: bool = True
    sms_permission: bool = False
    email_unsubscribed_in_cdp: bool = False  # rule 20: a CDP unsubscribe wins over Salesforce
    sms_unsubscribed_in_cdp: bool = False
    archived: bool = False
    organization_id: int | None = Field(default=None, foreign_key="cdp_organization.id")
    # Rule 19: the data source that created the person (NULL: a CSV or API import, or anyone
    # else); only its mapped permission fields change the person's permissions later.
    created_by_source_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SalesforceLink(CDPModel, table=True):
    """A hidden Salesforce Id (Contact, Lead or Account) held by a person or organisation."""

    __tablename__ = "cdp_sf_link"
    __table_args__ = (
        sa.UniqueConstraint("sf_id", "data_source_id", name="uq_cdp_sf_link_source_id"),
        _partial_index("ix_cdp_sf_link_account", "account_id", "data_source_id"),
        _partial_index("ix_cdp_sf_link_converted", "converted_contact_id", "data_source_id"),
        _partial_index("ix_cdp_sf_link_person", "person_id"),
        _partial_index("ix_cdp_sf_link_organization", "organization_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    data_source_id: int = Field(foreign_key="cdp_data_source.id")
    sf_object: str
    sf_id: str
    person_id: int | None = Field(default=None, foreign_key="cdp_person.id")
    organization_id: int | None = Field(default=None, foreign_key="cdp_organization.id")
    account_id: str | None = None  # a Contact's AccountId, for the organisation link (rule 17)
    converted_contact_id: str | None = None  # a Lead's ConvertedContactId (rule 12)
    modstamp: datetime | None = None  # SystemModstamp last merged (rule 34)


class Activity(CDPModel, table=True):
    """An activity of a person; ``sf_id`` is the activity's key, unique per data source."""

    __tablename__ = "cdp_activity"
    __table_args__ = (
        sa.UniqueConstraint("data_source_id", "sf_id", name="uq_cdp_activity_source_id"),
        sa.Index("ix_cdp_activity_person_time", "person_id", "occurred_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    data_source_id: int = Field(foreign_key="cdp_data_source.id")
    sf_id: str
    type: str = Field(index=True)
    person_id: int = Field(foreign_key="cdp_person.id")
    occurred_at: datetime
    attributes: dict[str, Any] = Field(default_factory=dict,
                                       sa_column=sa.Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class CustomRecord(CDPModel, table=True):
    """A record of a custom object (rule 53), linked to its person when one is found.

    ``identify_by`` says what ``identifier`` is: ``sf_id`` (a Contact/Lead Id, found through
    ``cdp_sf_link``), ``email`` or ``phone`` (normalised, found on ``cdp_person``); records still
    unlinked are retried on later polls, so an index covers them.
    """

    __tablename__ = "cdp_custom_record"
    __table_args__ = (
        sa.UniqueConstraint("data_source_id", "sobject", "sf_id", name="uq_cdp_custom_record_key"),
        _partial_index("ix_cdp_custom_record_person", "person_id"),
        sa.Index("ix_cdp_custom_record_unlinked", "data_source_id", "sobject",
                 sqlite_where=sa.text("person_id IS NULL"),
                 postgresql_where=sa.text("person_id IS NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    data_source_id: int = Field(foreign_key="cdp_data_source.id")
    sobject: str
    sf_id: str
    person_id: int | None = Field(default=None, foreign_key="cdp_person.id")
    identify_by: str | None = None  # "sf_id" | "email" | "phone"
    identifier: str | None = None
    field_values: dict[str, Any] = Field(default_factory=dict,
                                         sa_column=sa.Column(JSON, nullable=False))
    deleted: bool = False
    modstamp: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


METADATA = CDPModel.metadata
person_table: sa.Table = Person.__table__  # type: ignore[attr-defined]
org_table: sa.Table = Organization.__table__  # type: ignore[attr-defined]
link_table: sa.Table = SalesforceLink.__table__  # type: ignore[attr-defined]
activity_table: sa.Table = Activity.__table__  # type: ignore[attr-defined]
source_table: sa.Table = DataSource.__table__  # type: ignore[attr-defined]
version_table: sa.Table = SchemaVersion.__table__  # type: ignore[attr-defined]
custom_record_table: sa.Table = CustomRecord.__table__  # type: ignore[attr-defined]
#: A data source's backfill (rule 34): its start, each stream's cursor, whether it finished.
backfill_table = sa.Table(
    "sync_backfill", METADATA,
    sa.Column("data_source_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("started", sa.String(40), nullable=False),
    sa.Column("progress", sa.JSON, nullable=False),
    sa.Column("finished", sa.Boolean, nullable=False, default=False))


def _add_custom_records(conn: sa.Connection) -> None:
    """Version 2: the custom-object records table (rule 53) and its indexes."""
    custom_record_table.create(conn, checkfirst=True)


MIGRATIONS[2] = _add_custom_records


def _add_person_creator(conn: sa.Connection) -> None:
    """Version 3: which data source created each person (rule 19).

    Earlier databases did not record it: a person holding a hidden Id is taken to have been
    created by the source of its oldest link, so its permissions keep following that source's
    mapping as before; a CSV person an Id was merged into before the upgrade is counted too.
    """
    columns = {c["name"] for c in sa.inspect(conn).get_columns(person_table.name)}
    if "created_by_source_id" not in columns:  # as version 2's ``checkfirst``: idempotent
        conn.execute(sa.text("ALTER TABLE cdp_person ADD COLUMN created_by_source_id INTEGER"))
    conn.execute(sa.text(
        "UPDATE cdp_person SET created_by_source_id = (SELECT l.data_source_id FROM cdp_sf_link l "
        "WHERE l.person_id = cdp_person.id ORDER BY l.id LIMIT 1)"))


MIGRATIONS[3] = _add_person_creator


def _add_backfill(conn: sa.Connection) -> None:
    """Version 4: the backfill table, unless a backfill of an earlier syncer already made it."""
    backfill_table.create(conn, checkfirst=True)


MIGRATIONS[4] = _add_backfill


class SchemaVersionError(RuntimeError):
    """The database was written by a newer version of this code."""


def database_version(conn: sa.Connection) -> int | None:
    """The stamped schema version, or None for a database without CDP tables."""
    if not sa.inspect(conn).has_table(version_table.name):
        return None
    return conn.execute(sa.select(version_table.c.version)).scalar_one()


def migrate(engine: sa.Engine) -> int:
    """Create or upgrade the CDP schema (see the module docstring); return the version."""
    with engine.begin() as conn:
        version = database_version(conn)
        if version is None:
            METADATA.create_all(conn)
            conn.execute(sa.insert(version_table).values(id=1, version=SCHEMA_VERSION))
            return SCHEMA_VERSION
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(f"database schema version {version} is newer than this code "
                                 f"({SCHEMA_VERSION}); upgrade the syncer")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        with engine.begin() as conn:
            MIGRATIONS[target](conn)
            conn.execute(sa.update(version_table).values(version=target))
    return SCHEMA_VERSION
