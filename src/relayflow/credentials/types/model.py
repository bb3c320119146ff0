"""The declarative model of a credential type: its fields, their kinds and when they show."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

PropertyKind = Literal["string", "number", "boolean", "options", "json", "hidden"]


@dataclass(frozen=True, slots=True)
class CredentialProperty:
    """One field of a credential's data, as the UI form shows it and the schema checks it."""

    name: str
    display_name: str
    type: PropertyKind = "string"
    required: bool = False
    default: Any = None
    options: tuple[tuple[str, str], ...] = ()
    """`(value, display name)` pairs of an `options` field."""
    password: bool = False
    """A secret (string or json field): never shown, logged or returned."""
    display_options_show: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    """Show (and allow) this field only when each named field holds one of the listed values."""
    description: str = ""

    def __post_init__(self) -> None:
        if (self.type == "options") != bool(self.options):
            raise ValueError(f"{self.name}: options belong to, and only to, an options field")
        if self.password and self.type not in ("string", "json"):
            raise ValueError(f"{self.name}: only a string or json field can be a password")

    @property
    def option_values(self) -> list[str]:
        """The values an `options` field accepts, in declared order."""
        return [value for value, _ in self.options]


@dataclass(frozen=True, slots=True)
class CredentialType:
    """A kind of credential (`httpHeaderAuth`, `postgres`, …) and the fields of its data."""

    name: str
    display_name: str
    properties: tuple[CredentialProperty, ...]
    documentation_url: str | None = None

    def __post_init__(self) -> None:
        names = [prop.name for prop in self.properties]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.name}: property names must be unique")
        for prop in self.properties:
            unknown = set(prop.display_options_show) - set(names)
            if unknown:
                raise ValueError(f"{self.name}.{prop.name}: shown on unknown {sorted(unknown)}")

    def get_property(self, name: str) -> CredentialProperty | None:
        """The property called `name`, if the type has one."""
        return next((prop for prop in self.properties if prop.name == name), None)
