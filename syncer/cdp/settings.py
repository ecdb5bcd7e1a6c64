"""Merge settings a data source carries: strategy, find strategy, system fields, permissions."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from . import fields as f


class MergeStrategy(enum.IntEnum):
    """How a matched record's fields change; the numbers are the product's merge API values."""

    APPEND_ONLY = 1
    OVERWRITE = 2
    IGNORE = 3


class FindStrategy(enum.IntEnum):
    """How merge keys are tried; the numbers are the product's merge API values."""

    ANY_KEY = 0
    PREVIOUS_KEY_EMPTY = 1

    @property
    def label(self) -> str:
        """The wording the data-source UI shows."""
        return _FIND_LABELS[self]


_FIND_LABELS = {FindStrategy.ANY_KEY: "Merge with any key match",
                FindStrategy.PREVIOUS_KEY_EMPTY: "Match only if previous merge key is empty"}

#: The five UI choices of rule 1 → (merge strategy, skip_non_existing).
UI_STRATEGIES: dict[str, tuple[MergeStrategy, bool]] = {
    "merge-new-data": (MergeStrategy.APPEND_ONLY, False),
    "merge-new-data-existing-only": (MergeStrategy.APPEND_ONLY, True),
    "overwrite": (MergeStrategy.OVERWRITE, False),
    "overwrite-existing-only": (MergeStrategy.OVERWRITE, True),
    "new-records-only": (MergeStrategy.IGNORE, False),
}


@dataclass(frozen=True, slots=True)
class MergeSettings:
    """One merge configuration (people and organisations each have their own, rule 13)."""

    strategy: MergeStrategy = MergeStrategy.OVERWRITE
    skip_non_existing: bool = False
    find_strategy: FindStrategy = FindStrategy.PREVIOUS_KEY_EMPTY

    @classmethod
    def from_ui(cls, name: str,
                find_strategy: FindStrategy = FindStrategy.PREVIOUS_KEY_EMPTY) -> MergeSettings:
        """Settings for a UI strategy name such as ``"overwrite-existing-only"``."""
        try:
            strategy, skip = UI_STRATEGIES[name]
        except KeyError:
            raise ValueError(f"unknown merge strategy {name!r}; "
                             f"expected one of {', '.join(UI_STRATEGIES)}") from None
        return cls(strategy, skip, find_strategy)

    @property
    def ui_name(self) -> str:
        """The UI name of this (strategy, skip_non_existing) pair."""
        for name, pair in UI_STRATEGIES.items():
            if pair == (self.strategy, self.skip_non_existing):
                return name
        # (IGNORE, True) has no UI name: it can only ever skip, but the API accepts it.
        return f"{self.strategy.name.lower()}-existing-only"


@dataclass(frozen=True, slots=True)
class SystemFieldPolicy:
    """Rule 28 "Modify system CDP fields": which built-in fields this source may update."""

    allowed: frozenset[str] | None = None  # None: every system field (the default)

    @classmethod
    def all(cls) -> SystemFieldPolicy:
        """Every system field may be modified (the default)."""
        return cls(None)

    @classmethod
    def none(cls) -> SystemFieldPolicy:
        """"Don't modify system CDP fields"."""
        return cls(frozenset())

    @classmethod
    def only(cls, *field_ids: str) -> SystemFieldPolicy:
        """Only the checked system fields may be modified."""
        return cls(frozenset(field_ids))

    def allows(self, field_id: str) -> bool:
        """True if this source may write ``field_id`` on an existing person."""
        if self.allowed is None or not f.is_system_person_field(field_id):
            return True
        return field_id in self.allowed


class PermissionDirection(enum.Enum):
    """Direction of a permission field mapping (rules 19 and 21)."""

    TO_CDP = "update CDP from Salesforce"
    TO_SALESFORCE = "update Salesforce from CDP"
    TWO_WAY = "two-way"


def _comparable(value: Any) -> str:
    # Checkbox values arrive as JSON booleans over REST and as "true"/"false" text in Bulk CSV.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().casefold()


@dataclass(frozen=True, slots=True)
class PermissionMapping:
    """How a mapped Salesforce field sets ``bol::p`` or ``bol::sp`` (a-899 field/value mapping)."""

    direction: PermissionDirection = PermissionDirection.TO_CDP
    value_for_true: Any = True
    value_for_false: Any = False

    @property
    def reads_salesforce(self) -> bool:
        """False for one-way-out mappings, which never read SF values (rule 21)."""
        return self.direction is not PermissionDirection.TO_SALESFORCE

    def interpret(self, raw: Any) -> bool | None:
        """True/False when ``raw`` is the configured value for true/false, else ``None``."""
        if raw is None or not self.reads_salesforce:
            return None
        value = _comparable(raw)
        if value == _comparable(self.value_for_true):
            return True
        if value == _comparable(self.value_for_false):
            return False
        return None


@dataclass(frozen=True, slots=True)
class PeopleSettings:
    """Everything a people merge needs besides the records."""

    merge: MergeSettings = field(default_factory=MergeSettings)
    system_fields: SystemFieldPolicy = field(default_factory=SystemFieldPolicy)
    email_permission: PermissionMapping | None = None
    sms_permission: PermissionMapping | None = None
    merge_converted_leads: bool = False
