"""Parsing n8n expression templates: `=` + literal text and `{{ js }}` segments.

A parameter value is an expression when it is a string starting with `=`. What follows is a
template; `template_js()` turns it into the body of a JavaScript function that returns its
value, so V8 compiles each distinct template once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_QUOTES = "'\"`"


@dataclass(frozen=True)
class Segment:
    """One piece of a template: literal text, or the JavaScript between `{{` and `}}`."""

    text: str
    code: bool


def is_expression(value: Any) -> bool:
    """Whether `value` is an n8n expression (a string starting with `=`)."""
    return isinstance(value, str) and value.startswith("=")


def parse(template: str) -> list[Segment]:
    """The segments of `template` (the text after the `=`), in order.

    A `{{` without a matching `}}` is literal text. The closing `}}` is searched outside
    JavaScript strings, template literals and comments, and only where braces opened inside
    the segment are closed, so `{{ {a: {b: 1}} }}` is one segment.
    """
    segments: list[Segment] = []
    position = 0
    literal_start = 0
    while True:
        start = template.find("{{", position)
        if start < 0:
            break
        end = _segment_end(template, start + 2)
        if end is None:
            break
        if start > literal_start:
            segments.append(Segment(template[literal_start:start], code=False))
        segments.append(Segment(template[start + 2 : end], code=True))
        position = literal_start = end + 2
    if literal_start < len(template):
        segments.append(Segment(template[literal_start:], code=False))
    return segments


def _segment_end(text: str, index: int) -> int | None:
    """Index of the `}}` closing the segment whose code starts at `index`."""
    depth = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char in _QUOTES:
            index = _skip_string(text, index)
            continue
        if text.startswith("//", index):
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
            continue
        if text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = length if close < 0 else close + 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0 and text.startswith("}}", index):
                return index
            depth = max(depth - 1, 0)
        index += 1
    return None


def _skip_string(text: str, index: int) -> int:
    """Index just after the string literal that opens at `index`."""
    quote = text[index]
    index += 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == quote:
            return index + 1
        index += 1
    return index


def is_single_segment(segments: list[Segment]) -> bool:
    """Whether the template is one `{{ }}` segment, give or take surrounding whitespace.

    Such a template evaluates to the raw JavaScript value instead of a string.
    """
    code = [segment for segment in segments if segment.code]
    if len(code) != 1:
        return False
    return all(segment.code or not segment.text.strip() for segment in segments)


_TRAILING_SEMICOLONS = re.compile(r"[\s;]+$")


def segment_js(code: str) -> str:
    """The JavaScript expression of one segment, safe with a trailing comment or `;`."""
    body = _TRAILING_SEMICOLONS.sub("", code)
    if not body.strip():
        return "undefined"
    return f"({body}\n)"


def template_js(template: str) -> str:
    """Body of a JavaScript function returning the value of `template`.

    One segment: the raw value. Text around segments: a string, each segment turned into
    text with `__rf.text()` (n8n's rule: `String(value)`, with null and undefined as '').
    """
    segments = parse(template)
    if is_single_segment(segments):
        code = next(segment.text for segment in segments if segment.code)
        return f"return {segment_js(code)};"
    parts = [
        f"__rf.text({segment_js(segment.text)})" if segment.code else json.dumps(segment.text)
        for segment in segments
    ]
    return "return " + (" + ".join(parts) if parts else '""') + ";"


def literal_value(template: str) -> str | None:
    """The value of a template with no `{{ }}` segment (plain text), else None."""
    segments = parse(template)
    if any(segment.code for segment in segments):
        return None
    return template
