"""How the UI words dates, expiries, roles and scope groups."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from relayflow.auth.scopes import ADMIN, CATALOGUE, MEMBER, OWNER, ROLE_SCOPE_SETS, Scope
from relayflow.core.clock import as_utc, utcnow

ROLE_NAMES = {OWNER: "Owner", ADMIN: "Admin", MEMBER: "Member"}

GROUP_TITLES = {
    "workflow": "Workflows",
    "workflowTags": "Workflow tags",
    "credential": "Credentials",
    "execution": "Executions",
    "tag": "Tags",
    "user": "Users",
    "project": "Projects",
    "variable": "Variables",
    "securityAudit": "Security audit",
    "sourceControl": "Source control",
    "apiKey": "API keys",
}

DAY = 86400
RELATIVE_EXPIRY_DAYS = 30


@dataclass(frozen=True, slots=True)
class ScopeGroup:
    """The scopes of one resource, as one fieldset of the scope picker."""

    resource: str
    title: str
    scopes: tuple[Scope, ...]


@dataclass(frozen=True, slots=True)
class Expiry:
    """A key's expiry in words, and whether it has passed."""

    text: str
    expired: bool
    moment: datetime | None


def scope_groups(role: str) -> list[ScopeGroup]:
    """The scopes `role` may give a key, grouped by resource in catalogue order."""
    allowed = ROLE_SCOPE_SETS.get(role, frozenset())
    groups: dict[str, list[Scope]] = {}
    for scope in CATALOGUE:
        if scope.name in allowed:
            groups.setdefault(scope.resource, []).append(scope)
    return [
        ScopeGroup(resource, GROUP_TITLES.get(resource, resource), tuple(scopes))
        for resource, scopes in groups.items()
    ]


def role_name(role: str) -> str:
    """`global:admin` as people say it: Admin."""
    return ROLE_NAMES.get(role, role)


def day(value: datetime | None) -> str:
    """`3 Jun 2026`, or an empty string."""
    if value is None:
        return ""
    moment = as_utc(value)
    return f"{moment.day} {moment:%b %Y}"


def day_and_time(value: datetime | None) -> str:
    """`3 Jun 2026, 14:05 UTC`, or an empty string."""
    if value is None:
        return ""
    return f"{day(value)}, {as_utc(value):%H:%M} UTC"


def iso_attribute(value: datetime | None) -> str:
    """The machine-readable form for `<time datetime=…>`."""
    return "" if value is None else as_utc(value).isoformat(timespec="seconds")


def expiry(value: datetime | None, now: datetime | None = None) -> Expiry:
    """Never, expired, "expires in N days" within a month, else the date it expires."""
    if value is None:
        return Expiry("Never expires", expired=False, moment=None)
    moment, now = as_utc(value), now or utcnow()
    left = (moment - now).total_seconds()
    if left <= 0:
        return Expiry("Expired", expired=True, moment=moment)
    days = math.ceil(left / DAY)
    if days <= RELATIVE_EXPIRY_DAYS:
        unit = "day" if days == 1 else "days"
        return Expiry(f"Expires in {days} {unit}", expired=False, moment=moment)
    return Expiry(f"Expires {day(moment)}", expired=False, moment=moment)


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """`Never`, `Just now`, `5 minutes ago`, `3 hours ago`, else the day."""
    if value is None:
        return "Never"
    seconds = ((now or utcnow()) - as_utc(value)).total_seconds()
    if seconds < 60:
        return "Just now"
    if seconds < 3600:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    if seconds < DAY:
        hours = int(seconds // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    return day(value)


def iso_day(value: str | None) -> str:
    """An ISO-8601 timestamp from a wire model as `3 Jun 2026`."""
    if not value:
        return ""
    return day(datetime.fromisoformat(value.replace("Z", "+00:00")))


def lower_first(text: str) -> str:
    """`Just now` inside a sentence: `just now`."""
    return text[:1].lower() + text[1:]


def full_name(first: str | None, last: str | None, fallback: str) -> str:
    """A person's name, or `fallback` (the e-mail) while it has none."""
    name = " ".join(part for part in (first, last) if part)
    return name or fallback
