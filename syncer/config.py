"""The syncer's configuration file (TOML): everything the seed's connect wizard asks.

Loaded into small frozen dataclasses and validated with clear messages; ``syncer config check``
prints what it understood. Credentials are not in this file: ``syncer connect`` stores them
apart, readable by the owner only. ``[custom_objects.*]`` tables are read by ``config_custom``;
the default field mapping they all start from is ``cdp.fieldmap``'s; every refusal is a
``ConfigurationError`` (``config_error``, re-exported here).
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from . import config_custom
from .cdp import (FindStrategy, MergeSettings, PeopleSettings, PermissionDirection,
                  PermissionMapping, SystemFieldPolicy, fieldmap)
from .cdp.limits import validate_selection
from .cdp.settings import UI_STRATEGIES
from .config_error import ConfigurationError
from .sync import filters, formulas

PRODUCTION_LOGIN = "https://login.salesforce.com"
SANDBOX_LOGIN = "https://test.salesforce.com"
MAX_OUTBOUND = 20  # rule 49: "select up to 20 activities to sync to Salesforce"
KEY_STRATEGIES = {"any-key": FindStrategy.ANY_KEY, "previous-key-empty": FindStrategy.PREVIOUS_KEY_EMPTY}
DIRECTIONS = {"update-cdp": PermissionDirection.TO_CDP, "two-way": PermissionDirection.TWO_WAY,
              "update-salesforce": PermissionDirection.TO_SALESFORCE}


@dataclass(frozen=True)
class Connection:
    """How to reach the org: the login host the "Salesforce sandbox" box picks (rule 50)."""

    production_login_url: str = PRODUCTION_LOGIN
    sandbox_login_url: str = SANDBOX_LOGIN
    sandbox: bool = False
    client_id: str = ""
    client_secret: str = ""
    callback_port: int = 8765
    ca_bundle: str | None = None

    @property
    def login_url(self) -> str:
        """Where users log in: the sandbox login host when the box is checked, else production."""
        return self.sandbox_login_url if self.sandbox else self.production_login_url


@dataclass(frozen=True)
class Settings:
    """A data source's settings, as validated from the file."""

    name: str = "Salesforce"
    connection: Connection = field(default_factory=Connection)
    cdp_url: str = "sqlite:///cdp.db"
    state_dir: Path = Path(".syncer")
    objects: tuple[str, ...] = fieldmap.DEFAULT_OBJECTS
    fields: dict[str, dict[str, str]] = field(default_factory=fieldmap.defaults)
    people: PeopleSettings = field(default_factory=PeopleSettings)
    organizations: MergeSettings = field(default_factory=MergeSettings)
    poll_interval_minutes: float = 15
    activity_retention_days: int = 90
    api_allocation_percent: float = 80
    bulk_api: bool = True        # rule 43: Bulk API 2.0 for initial loads and backfills …
    bulk_threshold: int = 2000   # … that count more rows than this
    formula_refresh: str = formulas.OFF  # rule 40: "daily" re-reads formula and roll-up fields
    filters: dict[str, Any] = field(default_factory=dict)  # object → filters.Group
    auto_archive: bool = False
    outbound_activities: tuple[str, ...] = ()
    permission_fields: dict[str, str] = field(default_factory=dict)  # {"email": "HasOptedOutOfEmail"}
    custom_objects: dict[str, config_custom.CustomObject] = field(default_factory=dict)  # rule 53

    def mapping(self, sobject: str) -> dict[str, str]:
        """The field mapping of a synced object (Salesforce field → CDP field id): a custom
        object's own, else the standard object's defaults and custom fields."""
        if sobject in self.custom_objects:
            return self.custom_objects[sobject].mapping
        return dict(self.fields.get(sobject, {}))

    def to_json(self) -> dict:
        """What the data source row keeps (so status and views can show the settings)."""
        return {"objects": list(self.objects), "fields": self.fields,
                "people": {"strategy": self.people.merge.ui_name,
                           "key_strategy": self.people.merge.find_strategy.label},
                "organizations": {"strategy": self.organizations.ui_name,
                                  "key_strategy": self.organizations.find_strategy.label},
                "poll_interval_minutes": self.poll_interval_minutes,
                "activity_retention_days": self.activity_retention_days,
                "bulk_api": self.bulk_api, "bulk_threshold": self.bulk_threshold,
                "formula_refresh": self.formula_refresh,
                "filters": {name: filters.to_soql(group) for name, group in self.filters.items()},
                "auto_archive": self.auto_archive,
                "outbound_activities": list(self.outbound_activities),
                "custom_objects": {name: o.to_json() for name, o in self.custom_objects.items()}}


def load(path: str | Path) -> Settings:
    """Read and validate a configuration file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigurationError(f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"{path}: not valid TOML: {error}") from None
    return from_dict(data, base=path.parent)


def from_dict(data: dict, base: Path = Path(".")) -> Settings:
    """Validate a parsed configuration."""
    _only(data, {"source", "cdp", "sync", "objects", "merge", "system_fields", "permissions",
                 "filters", "outbound", "custom_objects"}, "top level")
    outbound = data.get("outbound", {})
    _only(outbound, {"activities"}, "[outbound]")
    chosen = list(dict.fromkeys(outbound.get("activities", [])))
    if len(chosen) > MAX_OUTBOUND:
        raise ConfigurationError(f"[outbound] at most {MAX_OUTBOUND} activity types can be sent to "
                                 f"Salesforce; {len(chosen)} are chosen")
    source, sync = data.get("source", {}), data.get("sync", {})
    _only(source, {"name", "sandbox", "login_url", "sandbox_login_url", "client_id",
                   "client_secret", "callback_port", "ca_bundle"}, "[source]")
    _only(sync, {"objects", "poll_interval_minutes", "activity_retention_days",
                 "api_allocation_percent", "state_dir", "auto_archive", "bulk_api",
                 "bulk_threshold", "formula_refresh"}, "[sync]")
    # login_url is the production login host (or a My Domain); sandbox_login_url the sandbox one.
    connection = Connection(
        production_login_url=source.get("login_url") or PRODUCTION_LOGIN,
        sandbox_login_url=source.get("sandbox_login_url") or SANDBOX_LOGIN,
        sandbox=bool(source.get("sandbox", False)), client_id=source.get("client_id", ""),
        client_secret=source.get("client_secret", ""),
        callback_port=int(source.get("callback_port", 8765)), ca_bundle=source.get("ca_bundle"))
    _login_url(connection.production_login_url, "[source] login_url")
    _login_url(connection.sandbox_login_url, "[source] sandbox_login_url")
    if connection.ca_bundle is not None and not Path(connection.ca_bundle).is_file():
        raise ConfigurationError(f"[source] ca_bundle: no such file {connection.ca_bundle!r} (the mock's "
                                 f"banner prints its CA bundle's path)")
    objects = _objects(sync.get("objects", fieldmap.DEFAULT_OBJECTS))
    selection = _selection(objects, data.get("objects", {}))
    custom_objects = config_custom.parse(data.get("custom_objects", {}))
    # Rule 26's caps are cumulative: objects synced as people or organizations count too.
    validate_selection({**selection, **config_custom.selection(custom_objects)})
    merge = data.get("merge", {})
    _only(merge, {"people", "organizations"}, "[merge]")
    people_merge = _merge(merge.get("people", {}), "[merge.people]", people=True)
    system = data.get("system_fields", {}).get("modify", "all")
    cdp = data.get("cdp", {})
    _only(cdp, {"url"}, "[cdp]")
    return Settings(
        name=source.get("name", "Salesforce"), connection=connection,
        cdp_url=_cdp_url(cdp.get("url", "sqlite:///cdp.db")),
        state_dir=base / sync.get("state_dir", ".syncer"), objects=objects, fields=selection,
        people=PeopleSettings(merge=people_merge, system_fields=_system_fields(system),
                              email_permission=_permission(data, "email"),
                              sms_permission=_permission(data, "sms"),
                              merge_converted_leads=bool(merge.get("people", {}).get(
                                  "merge_converted_leads", True))),
        organizations=_merge(merge.get("organizations", {}), "[merge.organizations]"),
        poll_interval_minutes=_positive(sync, "poll_interval_minutes", 15),
        activity_retention_days=int(_positive(sync, "activity_retention_days", 90)),
        api_allocation_percent=_positive(sync, "api_allocation_percent", 80),
        bulk_api=_boolean(sync, "bulk_api", True),
        bulk_threshold=int(_positive(sync, "bulk_threshold", 2000)),
        formula_refresh=_formula_refresh(sync),
        filters=_filters(data.get("filters", {}), objects, custom_objects), auto_archive=bool(sync.get("auto_archive", False)),
        outbound_activities=tuple(chosen),
        permission_fields={channel: section["field"] for channel, section
                           in data.get("permissions", {}).items() if isinstance(section, dict)
                           and section.get("field")},
        custom_objects=custom_objects)


def starter(name: str, login_url: str, client_id: str, client_secret: str, ca_bundle: str | None,
            cdp_url: str) -> str:
    """The minimal working configuration ``syncer config init`` writes (TOML text)."""
    def text(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    lines = ["# Written by `syncer config init`; every setting is described in the README.",
             "[source]", f"name = {text(name)}", f"login_url = {text(login_url)}",
             f"client_id = {text(client_id)}", f"client_secret = {text(client_secret)}",
             "callback_port = 8765                # register http://127.0.0.1:8765/callback on the app"]
    if ca_bundle:
        lines.append(f"ca_bundle = {text(ca_bundle)}")
    lines += ["", "[cdp]", f"url = {text(cdp_url)}", "", "[sync]",
              f"objects = {json.dumps(list(fieldmap.DEFAULT_OBJECTS))}   # Contact is required", ""]
    return "\n".join(lines)


def _login_url(url: object, where: str) -> str:
    """A login host: ``https://`` (``http://`` only on this machine, for the mock's ``--no-tls``)."""
    parsed = urlparse(url) if isinstance(url, str) else None
    local = parsed is not None and parsed.hostname in ("127.0.0.1", "localhost", "::1")
    if parsed is None or not parsed.hostname or not (parsed.scheme == "https" or (parsed.scheme == "http" and local)):
        raise ConfigurationError(f"{where} must be an https:// URL such as {PRODUCTION_LOGIN} "
                                 f"(http:// only for 127.0.0.1), not {url!r}")
    return url


def _objects(value: object) -> tuple[str, ...]:
    """``[sync] objects``: names from the known list (custom objects go under [custom_objects])."""
    known = ", ".join(fieldmap.DEFAULT_OBJECTS)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f"[sync] objects must be a list of names from {known}")
    unknown = [v for v in value if v not in fieldmap.DEFAULT_OBJECTS]
    if unknown:
        raise ConfigurationError(f"[sync] objects: unknown object(s) {', '.join(unknown)}; known: "
                                 f"{known} (custom objects go under [custom_objects.NAME])")
    return tuple(value)


def _cdp_url(url: object) -> str:
    """``[cdp] url``: an SQLAlchemy URL (``sqlite:///cdp.db``, ``postgresql+psycopg://user@host/db``)."""
    if not isinstance(url, str) or "://" not in url:
        raise ConfigurationError(f"[cdp] url must be an SQLAlchemy URL such as sqlite:///cdp.db or "
                                 f"postgresql+psycopg://user@host/db, not {url!r}")
    scheme, _, driver = url.split("://", 1)[0].partition("+")
    if scheme not in ("sqlite", "postgresql"):
        raise ConfigurationError(f"[cdp] url: {scheme!r} databases are not supported; use sqlite:// "
                                 f"or postgresql+psycopg://")
    if scheme == "postgresql" and driver not in ("", "psycopg"):
        # The page writes bind PostgreSQL arrays in binary (``pagewrite``), a psycopg 3 feature.
        raise ConfigurationError(f"[cdp] url: the {driver!r} driver is not supported; use "
                                 f"postgresql+psycopg:// (psycopg 3: pip install '.[postgres]')")
    return url


def _filters(section: dict, objects: tuple[str, ...], custom_objects: dict | None = None) -> dict:
    """Selective-sync filters: Contact, Lead and Account, each on its own (rule 30), and those of
    the configured custom objects (rule 53)."""
    custom_objects = custom_objects or {}
    _only(section, {"Contact", "Lead", "Account", *custom_objects}, "[filters]")
    parsed = {}
    for sobject, document in section.items():
        if sobject not in objects and sobject not in custom_objects:
            raise ConfigurationError(f"[filters.{sobject}] filters an object that is not synced")
        parsed[sobject] = filters.parse(document, f"[filters.{sobject}]")
    return parsed


def _formula_refresh(sync: dict) -> str:
    value = sync.get("formula_refresh", formulas.OFF)
    if value not in formulas.CHOICES:
        raise ConfigurationError(f"[sync] formula_refresh must be {' or '.join(map(repr, formulas.CHOICES))}, "
                                 f"not {value!r}")
    return value


def _only(section: dict, allowed: set[str], where: str) -> None:
    if not isinstance(section, dict):
        raise ConfigurationError(f"{where} must be a table")
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise ConfigurationError(f"{where}: unknown setting(s) {', '.join(unknown)}; "
                                 f"expected {', '.join(sorted(allowed))}")


def _selection(objects: tuple[str, ...], per_object: dict) -> dict[str, dict[str, str]]:
    if fieldmap.REQUIRED_OBJECT not in objects:
        raise ConfigurationError("the Contact object is required and cannot be deselected")
    selection = {}
    for sobject in objects:
        mapping = dict(fieldmap.DEFAULT_FIELDS.get(sobject, {}))
        _only(per_object.get(sobject, {}), {"custom_fields"}, f"[objects.{sobject}]")
        custom = per_object.get(sobject, {}).get("custom_fields", {})
        if isinstance(custom, list):
            custom = fieldmap.listed(fieldmap.kind_of(sobject), custom)
        mapping.update(custom)
        selection[sobject] = mapping
    unknown = sorted(set(per_object) - set(objects))
    if unknown:
        raise ConfigurationError(f"[objects.{unknown[0]}] configures an object that is not in "
                                 f"[sync] objects")
    return selection


def _merge(section: dict, where: str, people: bool = False) -> MergeSettings:
    allowed = {"strategy", "key_strategy"} | ({"merge_converted_leads"} if people else set())
    _only(section, allowed, where)
    strategy = section.get("strategy", "overwrite")
    if strategy not in UI_STRATEGIES:
        raise ConfigurationError(f"{where} strategy {strategy!r} is not one of "
                                 f"{', '.join(UI_STRATEGIES)}")
    key = section.get("key_strategy", "previous-key-empty")
    if key not in KEY_STRATEGIES:
        raise ConfigurationError(f"{where} key_strategy {key!r} is not one of "
                                 f"{', '.join(KEY_STRATEGIES)}")
    return MergeSettings.from_ui(strategy, KEY_STRATEGIES[key])


def _system_fields(value) -> SystemFieldPolicy:
    if value == "all":
        return SystemFieldPolicy.all()
    if value == "none":
        return SystemFieldPolicy.none()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return SystemFieldPolicy.only(*value)
    raise ConfigurationError('[system_fields] modify must be "all", "none" or a list of CDP field ids')


def _permission(data: dict, channel: str) -> PermissionMapping | None:
    section = data.get("permissions", {}).get(channel)
    if section is None:
        return None
    _only(section, {"field", "value_for_true", "value_for_false", "direction"}, f"[permissions.{channel}]")
    if not section.get("field"):
        raise ConfigurationError(f"[permissions.{channel}] needs the Salesforce field it maps")
    direction = section.get("direction", "update-cdp")
    if direction not in DIRECTIONS:
        raise ConfigurationError(f"[permissions.{channel}] direction {direction!r} is not one of "
                                 f"{', '.join(DIRECTIONS)}")
    return PermissionMapping(DIRECTIONS[direction], section.get("value_for_true", True),
                             section.get("value_for_false", False))


def _boolean(section: dict, key: str, default: bool) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise ConfigurationError(f"[sync] {key} must be true or false, not {value!r}")
    return value


def _positive(section: dict, key: str, default: float) -> float:
    value = section.get(key, default)
    if not isinstance(value, (int, float)) or value <= 0:
        raise ConfigurationError(f"[sync] {key} must be a positive number, not {value!r}")
    return value
