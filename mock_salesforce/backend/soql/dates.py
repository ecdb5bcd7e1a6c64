"""Relative date literals (``TODAY``, ``LAST_N_DAYS:30``…) as half-open UTC day ranges.

Evaluated on the org clock in UTC (every mock user's time zone is GMT). Weeks start on Sunday
(Salesforce's en_US locale); the fiscal year is the calendar year, Salesforce's default.
A range that would run past the calendar (``LAST_N_DAYS:99999999``) stops at its first or last
day: it matches every date on that side, as it would on Salesforce.
"""
from __future__ import annotations

from datetime import date, timedelta

_FIXED = {"TODAY", "YESTERDAY", "TOMORROW", "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK", "LAST_MONTH",
          "THIS_MONTH", "NEXT_MONTH", "LAST_90_DAYS", "NEXT_90_DAYS", "THIS_QUARTER",
          "LAST_QUARTER", "NEXT_QUARTER", "THIS_YEAR", "LAST_YEAR", "NEXT_YEAR",
          "THIS_FISCAL_QUARTER", "LAST_FISCAL_QUARTER", "NEXT_FISCAL_QUARTER",
          "THIS_FISCAL_YEAR", "LAST_FISCAL_YEAR", "NEXT_FISCAL_YEAR"}
_UNITS = {"DAYS", "WEEKS", "MONTHS", "QUARTERS", "YEARS", "FISCAL_QUARTERS", "FISCAL_YEARS"}
_N_FORMS = {f"{kind}_{unit}" for kind in ("LAST_N", "NEXT_N") for unit in _UNITS} | \
    {f"N_{unit}_AGO" for unit in _UNITS}


def check_literal(name: str, n: int | None) -> bool:
    """True when ``name`` (upper case) is a date literal and ``:n`` is given exactly when needed."""
    if name in _FIXED:
        return n is None
    return name in _N_FORMS and n is not None


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    index = max(date.min.year * 12, min(date.max.year * 12 + 11, index))
    return date(index // 12, index % 12 + 1, 1)


def _add_days(day: date, days: int) -> date:
    """``day + days``, stopping at the first or last day of the calendar."""
    if days < 0:
        return day + timedelta(days=days) if -days <= (day - date.min).days else date.min
    return day + timedelta(days=days) if days <= (date.max - day).days else date.max


def _unit_start(today: date, unit: str) -> tuple[date, int]:
    """The first day of the current ``unit`` period and its length in months (0 for days/weeks)."""
    unit = unit.removeprefix("FISCAL_")
    if unit == "DAYS":
        return today, 0
    if unit == "WEEKS":
        return _add_days(today, -((today.weekday() + 1) % 7)), 0
    if unit == "MONTHS":
        return today.replace(day=1), 1
    if unit == "QUARTERS":
        return date(today.year, (today.month - 1) // 3 * 3 + 1, 1), 3
    return date(today.year, 1, 1), 12


def _shift(start: date, unit: str, months: int, count: int) -> date:
    if months:
        return _add_months(start, months * count)
    return _add_days(start, count * (7 if unit.endswith("WEEKS") else 1))


def day_range(name: str, n: int | None, today: date) -> tuple[date, date]:
    """The half-open ``[first day, day after last)`` range a literal covers."""
    if name == "LAST_90_DAYS":
        # Salesforce counts today too: 91 days in all.
        return _add_days(today, -90), _add_days(today, 1)
    if name == "NEXT_90_DAYS":
        return _add_days(today, 1), _add_days(today, 91)
    simple = {"TODAY": ("THIS", "DAYS"), "YESTERDAY": ("LAST", "DAYS"),
              "TOMORROW": ("NEXT", "DAYS")}
    if name in simple or name in _FIXED:
        when, unit = simple.get(name) or name.split("_", 1)
        unit = {"WEEK": "WEEKS", "MONTH": "MONTHS", "QUARTER": "QUARTERS", "YEAR": "YEARS",
                "FISCAL_QUARTER": "QUARTERS", "FISCAL_YEAR": "YEARS"}.get(unit, unit)
        start, months = _unit_start(today, unit)
        offset = {"THIS": 0, "LAST": -1, "NEXT": 1}[when]
        first = _shift(start, unit, months, offset)
        return first, _shift(first, unit, months, 1)
    count = n or 0
    if name.startswith("N_") and name.endswith("_AGO"):
        unit = name[2:-4]
        start, months = _unit_start(today, unit)
        first = _shift(start, unit, months, -count)
        return first, _shift(first, unit, months, 1)
    when, unit = name[:6], name[7:]
    start, months = _unit_start(today, unit)
    if unit == "DAYS":
        # LAST_N_DAYS includes today; NEXT_N_DAYS starts tomorrow.
        if when == "LAST_N":
            return _add_days(today, -count), _add_days(today, 1)
        return _add_days(today, 1), _add_days(today, count + 1)
    if when == "LAST_N":
        return _shift(start, unit, months, -count), start
    following = _shift(start, unit, months, 1)
    return following, _shift(following, unit, months, count)
