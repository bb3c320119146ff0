"""The expiry choices of the Create API Key form, and the Unix time each one means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from relayflow.core.clock import utcnow

PRESET_DAYS = (7, 30, 60, 90)
CUSTOM, NEVER = "custom", "never"
EXPIRY_CHOICES: tuple[tuple[str, str], ...] = (
    *((str(days), f"{days} days") for days in PRESET_DAYS),
    (CUSTOM, "Custom date"),
    (NEVER, "No expiration"),
)


@dataclass(frozen=True, slots=True)
class ExpiryChoice:
    """What the form sent: a preset (days, `custom` or `never`) and the custom date, if any."""

    preset: str
    custom_date: str

    @property
    def earliest_date(self) -> str:
        """The first day a custom expiry may fall on (tomorrow, UTC)."""
        return (utcnow().date() + timedelta(days=1)).isoformat()


def parse_expiry(choice: ExpiryChoice, now: datetime | None = None) -> int | None:
    """The expiry as Unix seconds (None: never); a custom date lasts to its end, UTC."""
    if choice.preset == NEVER:
        return None
    if choice.preset == CUSTOM:
        if not choice.custom_date:
            raise ValueError("Choose the date on which the key expires")
        try:
            chosen = date.fromisoformat(choice.custom_date)
        except ValueError:
            raise ValueError("Enter the date as YYYY-MM-DD") from None
        return int(datetime.combine(chosen, time(23, 59, 59), UTC).timestamp())
    if choice.preset in {str(days) for days in PRESET_DAYS}:
        moment = (now or utcnow()) + timedelta(days=int(choice.preset))
        return int(moment.timestamp())
    raise ValueError("Choose when the key expires")
