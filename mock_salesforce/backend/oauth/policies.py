"""Connected-app policy rules as pure functions of a policy and the org clock's "now".

Policies are read when a token is *used*, not when it is issued, so an admin's change in Setup
applies at once to the tokens already out there (which is how Salesforce treats the refresh
token policy). Access tokens keep the session timeout they were issued with.
"""
from __future__ import annotations

import calendar
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

REFRESH_POLICIES = ("infinite", "zero", "idle", "absolute")
UNITS = ("minutes", "hours", "days", "months")
IP_RELAXATIONS = ("enforce", "enforce_except_refresh", "relax")
PERMITTED_USERS = ("all", "admin_approved")
# Setup's "Timeout Value" choices, in seconds (0 is "--None--": the org's session timeout).
SESSION_TIMEOUTS = (0, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400)


@dataclass(frozen=True)
class RefreshPolicy:
    """How long a refresh token lives: the policy name, N and the unit of N."""

    policy: str = "infinite"
    validity: int = 0
    unit: str = "hours"

    def __post_init__(self) -> None:
        if self.policy not in REFRESH_POLICIES:
            raise ValueError(f"refresh token policy must be one of {', '.join(REFRESH_POLICIES)}")
        if self.unit not in UNITS:
            raise ValueError(f"refresh token unit must be one of {', '.join(UNITS)}")
        if self.policy in ("idle", "absolute") and self.validity < 1:
            raise ValueError("refresh token validity must be a positive number")

    def expires_at(self, issued_at: datetime, last_used_at: datetime) -> datetime | None:
        """When a refresh token issued (and last used) at these times dies; None: never."""
        if self.policy == "infinite":
            return None
        if self.policy == "zero":
            return issued_at
        start = last_used_at if self.policy == "idle" else issued_at
        return add_period(start, self.validity, self.unit)

    def expired(self, issued_at: datetime, last_used_at: datetime, now: datetime) -> bool:
        """True once a refresh token issued (and last used) at these times is dead at ``now``."""
        expires = self.expires_at(issued_at, last_used_at)
        return expires is not None and now >= expires


def add_period(start: datetime, count: int, unit: str) -> datetime:
    """``start`` plus ``count`` minutes, hours, days or calendar months."""
    if unit == "months":
        # A month is a calendar month: Jan 31 + 1 month is the last day of February.
        month_index = start.month - 1 + count
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return start.replace(year=year, month=month, day=day)
    return start + timedelta(**{unit: count})


def parse_ranges(ranges: list) -> list[list[str]]:
    """Normalise trusted IP ranges (``"a-b"``, ``[a, b]``, CIDR or one address) to ``[start, end]``."""
    normalised = []
    for entry in ranges:
        if isinstance(entry, (list, tuple)) and len(entry) == 2:
            start, end = (ipaddress.ip_address(str(part).strip()) for part in entry)
        elif isinstance(entry, str) and "/" in entry:
            network = ipaddress.ip_network(entry.strip(), strict=False)
            start, end = network[0], network[-1]
        elif isinstance(entry, str):
            first, _, last = entry.partition("-")
            start = ipaddress.ip_address(first.strip())
            end = ipaddress.ip_address(last.strip()) if last else start
        else:
            raise ValueError(f"not an IP range: {entry!r}")
        if start.version != end.version or start > end:
            raise ValueError(f"not an IP range: {entry!r}")
        normalised.append([str(start), str(end)])
    return normalised


def ip_in_ranges(ip: str | None, ranges: list[list[str]]) -> bool:
    """True when the user has no ranges, or ``ip`` falls inside one of them."""
    if not ranges:
        return True
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    for start, end in ranges:
        low, high = ipaddress.ip_address(start), ipaddress.ip_address(end)
        if low.version == address.version and low <= address <= high:
            return True
    return False


def ip_enforced(relaxation: str, grant: str) -> bool:
    """Whether an app with this IP Relaxation checks the user's ranges for this grant."""
    if relaxation == "relax":
        return False
    return not (relaxation == "enforce_except_refresh" and grant == "refresh_token")


def session_timeout(app_timeout: int, org_default: int) -> int:
    """The access-token lifetime: the app's Timeout Value, or the org's when it is "--None--"."""
    return app_timeout or org_default
