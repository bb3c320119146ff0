"""n8n's filter conditions (If v2, Filter v2, Switch v3): typed comparisons joined by and/or.

A condition is `{leftValue, rightValue, operator: {type, operation, singleValue?}}`; its values
are already evaluated. `options.caseSensitive` (default true) applies to strings;
`looseTypeValidation` converts values to the operator's type instead of refusing them.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import regex

from relayflow.engine.errors import NodeError
from relayflow.engine.items import Items
from relayflow.engine.nodes.base import NodeCall
from relayflow.engine.values import ConversionError, convert, js_string

REGEX_SECONDS = 1.0
"""How long one user-given regular expression may take to match (backtracking bombs)."""

_KIND_NAMES = {
    str: "string",
    bool: "boolean",
    int: "number",
    float: "number",
    list: "array",
    dict: "object",
}


def _kind(value: Any) -> str:
    return "null" if value is None else _KIND_NAMES.get(type(value), "object")


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (str, list, dict)):
        return len(value) == 0
    return isinstance(value, float) and math.isnan(value)


def _date(value: Any, zone: str = "UTC") -> datetime | None:
    """A point in time; a date or time without an offset is read in `zone`."""
    parsed: datetime | None = None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        parsed = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if parsed is not None and parsed.tzinfo is None:
        try:
            parsed = parsed.replace(tzinfo=ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            parsed = parsed.replace(tzinfo=UTC)
    return parsed


class Conditions:
    """One set of conditions with its combinator and options."""

    def __init__(
        self, value: dict[str, Any], *, loose: bool = False, timezone: str = "UTC"
    ) -> None:
        self.timezone = timezone
        self.conditions: list[dict[str, Any]] = list(value.get("conditions") or [])
        self.combinator = str(value.get("combinator") or "and")
        options = value.get("options") or {}
        self.case_sensitive = options.get("caseSensitive", True) is not False
        self.loose = loose or options.get("typeValidation") == "loose"

    def test(self, item_index: int) -> bool:
        """Whether the item passes (every condition with `and`, any with `or`)."""
        results = (
            self._one(condition, position, item_index)
            for position, condition in enumerate(self.conditions)
        )
        return all(results) if self.combinator == "and" else any(results)

    def _value(self, value: Any, kind: str, position: int, item_index: int, side: str) -> Any:
        if value is None or kind in ("any", "") or _kind(value) == kind:
            return value
        if kind == "dateTime":
            parsed = _date(value, self.timezone)
            if parsed is not None:
                return parsed
            if self.loose:
                return value
        elif side == "right" or self.loose:
            if kind == "string":
                return js_string(value)
            try:
                return convert(value, kind)
            except ConversionError:
                if self.loose:
                    return value
        raise NodeError(
            f"Wrong type: '{js_string(value)}' is {_article(_kind(value))} but was expecting "
            f"{_article(kind)}",
            description=f"[condition {position}, item {item_index}]",
            item_index=item_index,
        )

    def _one(self, condition: dict[str, Any], position: int, item_index: int) -> bool:
        operator = condition.get("operator") or {}
        kind = str(operator.get("type") or "string")
        operation = str(operator.get("operation") or "equals")
        raw_left = condition.get("leftValue")
        if operation == "exists":
            return raw_left is not None
        if operation == "notExists":
            return raw_left is None
        if operation == "empty":
            return _empty(raw_left)
        if operation == "notEmpty":
            return not _empty(raw_left)
        left = self._value(raw_left, kind, position, item_index, "left")
        right = condition.get("rightValue")
        if not operator.get("singleValue"):
            right_kind = "any" if kind == "array" else kind
            right = self._value(right, right_kind, position, item_index, "right")
        if kind == "string":
            return _strings(left, right, operation, self.case_sensitive)
        if kind == "number":
            return _ordered(left, right, operation)
        if kind == "dateTime":
            return _ordered(left, right, operation)
        if kind == "boolean":
            if operation in ("true", "false"):
                return left is (operation == "true")
            return _ordered(left, right, operation)
        if kind == "array":
            return _arrays(left, right, operation, self.case_sensitive)
        return _ordered(left, right, operation)


def _article(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def _strings(left: Any, right: Any, operation: str, case_sensitive: bool) -> bool:
    left_text, right_text = js_string(left) if left is not None else "", js_string(right or "")
    if operation in ("regex", "notRegex"):
        pattern = right_text
        flags = 0 if case_sensitive else re.IGNORECASE
        found = re.fullmatch(r"/(.*)/([a-z]*)", pattern, re.DOTALL)
        if found:
            pattern = found.group(1)
            flags |= re.IGNORECASE if "i" in found.group(2) else 0
        try:
            matched = regex.search(pattern, left_text, flags, timeout=REGEX_SECONDS) is not None
        except regex.error as exc:
            raise NodeError(f"Invalid regular expression: {exc}") from None
        except TimeoutError:
            raise NodeError(
                f"The regular expression took longer than {REGEX_SECONDS:g} s to match"
            ) from None
        return matched if operation == "regex" else not matched
    if not case_sensitive:
        left_text, right_text = left_text.lower(), right_text.lower()
    checks = {
        "equals": left_text == right_text,
        "notEquals": left_text != right_text,
        "contains": right_text in left_text,
        "notContains": right_text not in left_text,
        "startsWith": left_text.startswith(right_text),
        "notStartsWith": not left_text.startswith(right_text),
        "endsWith": left_text.endswith(right_text),
        "notEndsWith": not left_text.endswith(right_text),
    }
    if operation not in checks:
        raise NodeError(f'Unknown string operation "{operation}"')
    return checks[operation]


def _ordered(left: Any, right: Any, operation: str) -> bool:
    if operation == "equals":
        return bool(left == right)
    if operation == "notEquals":
        return bool(left != right)
    if left is None or right is None:
        return False
    try:
        checks = {
            "gt": lambda: left > right,
            "lt": lambda: left < right,
            "gte": lambda: left >= right,
            "lte": lambda: left <= right,
            "after": lambda: left > right,
            "before": lambda: left < right,
            "afterOrEquals": lambda: left >= right,
            "beforeOrEquals": lambda: left <= right,
        }
        if operation not in checks:
            raise NodeError(f'Unknown operation "{operation}"')
        return bool(checks[operation]())
    except TypeError:
        return False


def _arrays(left: Any, right: Any, operation: str, case_sensitive: bool) -> bool:
    values = left if isinstance(left, list) else []
    if operation in ("contains", "notContains"):
        found = right in values
        if not found and not case_sensitive and isinstance(right, str):
            found = right.lower() in [v.lower() for v in values if isinstance(v, str)]
        return found if operation == "contains" else not found
    size = len(values)
    try:
        wanted = int(right)
    except (TypeError, ValueError):
        return False
    checks = {
        "lengthEquals": size == wanted,
        "lengthNotEquals": size != wanted,
        "lengthGt": size > wanted,
        "lengthLt": size < wanted,
        "lengthGte": size >= wanted,
        "lengthLte": size <= wanted,
    }
    if operation not in checks:
        raise NodeError(f'Unknown array operation "{operation}"')
    return checks[operation]


# -- the first generation: If v1, Filter v1, Switch v1/v2 ------------------------------------

_LEGACY_DEFAULTS = {
    "number": "smaller",
    "string": "equal",
    "boolean": "equal",
    "dateTime": "after",
}


def _legacy_number(value: Any) -> Any:
    if isinstance(value, str) and value.strip():
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _legacy_empty(value: Any) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, (list, dict)) and len(value) == 0


def compare_legacy(kind: str, operation: str, left: Any, right: Any) -> bool:
    """One condition of the first-generation nodes: `value1 <operation> value2` for `kind`."""
    if operation == "isEmpty":
        return _legacy_empty(left)
    if operation == "isNotEmpty":
        return not _legacy_empty(left)
    if kind == "dateTime":
        left_date, right_date = _date(left), _date(right)
        if left_date is None or right_date is None:
            return False
        try:
            return left_date > right_date if operation == "after" else left_date < right_date
        except TypeError:
            return False
    if kind == "number":
        left, right = _legacy_number(left), _legacy_number(right)
    if kind == "string":
        if operation in ("regex", "notRegex"):
            return _strings(left, right, operation, True)
        left_text = js_string(left) if left is not None else ""
        right_text = js_string(right) if right is not None else ""
        if operation == "equal":
            return left == right if left is None or right is None else left_text == right_text
        if operation == "notEqual":
            return not compare_legacy(kind, "equal", left, right)
        renamed = {
            "contains": "contains",
            "notContains": "notContains",
            "startsWith": "startsWith",
            "notStartsWith": "notStartsWith",
            "endsWith": "endsWith",
            "notEndsWith": "notEndsWith",
        }
        if operation not in renamed:
            raise NodeError(f'Unknown string operation "{operation}"')
        return _strings(left_text, right_text, renamed[operation], True)
    checks = {
        "equal": lambda: left == right,
        "notEqual": lambda: left != right,
        "smaller": lambda: left < right,
        "smallerEqual": lambda: left <= right,
        "larger": lambda: left > right,
        "largerEqual": lambda: left >= right,
    }
    if operation not in checks:
        raise NodeError(f'Unknown {kind} operation "{operation}"')
    try:
        return bool(checks[operation]())
    except TypeError:
        return False


def test_legacy(conditions: dict[str, Any], combine_all: bool) -> bool:
    """Whether an item passes first-generation conditions (`{number: [...], string: [...]}`)."""
    results: list[bool] = []
    for kind in ("boolean", "dateTime", "number", "string"):
        for condition in conditions.get(kind) or []:
            operation = str(condition.get("operation") or _LEGACY_DEFAULTS[kind])
            default = False if kind == "boolean" else ("" if kind == "string" else 0)
            right = condition.get("value2", default)
            left = condition.get("value1", default)
            results.append(compare_legacy(kind, operation, left, right))
            if combine_all and not results[-1]:
                return False
            if not combine_all and results[-1]:
                return True
    return combine_all if not results else (all(results) if combine_all else any(results))


def split_by_conditions(call: NodeCall, legacy_combine_all: bool) -> tuple[Items, Items]:
    """The input items that pass the node's `conditions` and those that do not (If, Filter).

    Version 1 nodes use the first-generation conditions, combined with `legacy_combine_all`;
    later ones n8n's filter conditions. With `continueOnFail`, an item whose conditions fail
    to evaluate counts as not passing.
    """
    passed: Items = []
    failed: Items = []
    conditions_each = call.param_each("conditions", {})
    options = call.raw("options", {}) or {}
    loose = bool(call.raw("looseTypeValidation", False)) or bool(options.get("looseTypeValidation"))
    for index, item in enumerate(call.items(0)):
        conditions = conditions_each[index] or {}
        try:
            if call.type_version < 2:
                passes = test_legacy(conditions, legacy_combine_all)
            else:
                passes = Conditions(conditions, loose=loose, timezone=call.state.timezone).test(
                    index
                )
        except NodeError:
            if not call.continue_on_fail:
                raise
            passes = False
        (passed if passes else failed).append({**item, "pairedItem": {"item": index}})
    return passed, failed
