"""Reading the UI's forms and turning refusals into messages next to their fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import Request
from pydantic import ValidationError

from relayflow.core.errors import AppError, BadRequest

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 500


@dataclass(frozen=True, slots=True)
class Form:
    """The fields of one submitted form, in order."""

    pairs: tuple[tuple[str, str], ...]

    def get(self, name: str, default: str = "") -> str:
        """The first value of `name`."""
        return next((value for key, value in self.pairs if key == name), default)

    def getlist(self, name: str) -> list[str]:
        """Every value of `name` (checkboxes)."""
        return [value for key, value in self.pairs if key == name]


async def read_form(request: Request) -> Form:
    """The URL-encoded body of a form post (the UI sends no files)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise BadRequest(f"Forms must be sent as {FORM_TYPE}")
    try:
        text = (await request.body()).decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("The form could not be read") from None
    return Form(tuple(pairs))


@dataclass(slots=True)
class Problems:
    """What is wrong with a submitted form: per field, and for the form as a whole."""

    fields: dict[str, str] = field(default_factory=dict)
    form: str | None = None

    def __bool__(self) -> bool:
        return bool(self.fields) or self.form is not None

    def add(self, name: str | None, message: str) -> None:
        """Note `message` next to field `name` (the whole form if None); the first one wins."""
        if name is None:
            self.form = self.form or message
        else:
            self.fields.setdefault(name, message)

    def merge(self, other: Problems) -> None:
        """Add another set of problems to these."""
        for name, message in other.fields.items():
            self.add(name, message)
        if other.form is not None:
            self.add(None, other.form)

    @classmethod
    def of_validation(cls, exc: ValidationError) -> Problems:
        """The API's wording of each field's first problem."""
        problems = cls()
        for error in exc.errors():
            location = [str(part) for part in error.get("loc", ())]
            name = location[0] if location else None
            message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
            problems.add(name, message[:1].upper() + message[1:])
        return problems

    @classmethod
    def of_error(cls, exc: AppError, field_of: Callable[[str], str | None]) -> Problems:
        """A refusal from a service, placed next to the field its message is about."""
        problems = cls()
        problems.add(field_of(exc.message), exc.message)
        return problems
