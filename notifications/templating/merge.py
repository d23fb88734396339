"""A tiny merge-field language for firm-edited text: `{{Name.Field}}` and nothing else.

Deliberately not the Django template engine: firm text can name only documented fields
(notifications.templating.fields), has no tags, filters, comments or attribute access, and is
rendered from a plain dict of allow-listed values (notifications.templating.values)."""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape

from .fields import FIELDS
from .values import Link, MergeValue, Table, table_html, table_text

_OPENERS = re.compile(r"\{\{|\{%|\{#")
_FIELD = re.compile(r"^\s*([A-Za-z]+\.[A-Za-z]+)\s*$")


@dataclass(frozen=True)
class MergeError:
    message: str
    line: int
    column: int

    def __str__(self):
        return f"{self.message} (line {self.line}, column {self.column})"


class MergeSyntaxError(ValueError):
    def __init__(self, errors: list[MergeError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


@dataclass(frozen=True)
class FieldRef:
    name: str


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _why_not(inner: str) -> str:
    if "|" in inner:
        return f"Filters are not allowed: {{{{{inner.strip()}}}}}"
    if inner.count(".") > 1 or "[" in inner or "(" in inner:
        return f"Only {{{{Name.Field}}}} is allowed, not attribute chains: {{{{{inner.strip()}}}}}"
    name = inner.strip()
    hint = difflib.get_close_matches(name, FIELDS, n=1, cutoff=0.6)
    suggestion = f" — did you mean {{{{{hint[0]}}}}}?" if hint else ""
    return f"Unknown field {{{{{name}}}}}{suggestion}"


def _field_at(text: str, start: int) -> tuple[FieldRef | str, int]:
    """The field opened at `start` and the offset after it, or an error message."""
    end = text.find("}}", start + 2)
    if end == -1:
        return "A {{ is never closed with }}", len(text)
    inner = text[start + 2 : end]
    match = _FIELD.match(inner)
    if match and match.group(1) in FIELDS:
        return FieldRef(match.group(1)), end + 2
    return _why_not(inner), end + 2


def merge_parse(text: str) -> list[str | FieldRef]:
    """Split text into literal strings and field references; raise MergeSyntaxError listing
    every problem with its line and column."""
    parts: list[str | FieldRef] = []
    errors: list[MergeError] = []
    pos = 0
    for match in _OPENERS.finditer(text):
        if match.start() < pos:
            continue  # inside a field already consumed
        parts.append(text[pos : match.start()])
        if match.group() == "{{":
            found, pos = _field_at(text, match.start())
        else:
            close = text.find(match.group()[1] + "}", match.end())
            pos = close + 2 if close != -1 else match.end()
            found = f"Template tags and comments are not allowed: {text[match.start() : pos][:40]}"
        if isinstance(found, str):
            errors.append(MergeError(found, *_position(text, match.start())))
        else:
            parts.append(found)
    parts.append(text[pos:])
    if errors:
        raise MergeSyntaxError(errors)
    return [p for p in parts if p != ""]


def html_check(text: str) -> None:
    """Refuse markup outside the email allowlist (notifications.templating.sanitize): every tag,
    attribute and link scheme not on it, named with its line and column."""
    from .sanitize import html_refusals

    errors = [MergeError(message, line, column) for message, line, column in html_refusals(text)]
    if errors:
        raise MergeSyntaxError(errors)


def _value_html(value: MergeValue) -> str:
    if isinstance(value, Table):
        return table_html(value)
    if isinstance(value, Link):
        return (
            f'<a href="{escape(value.url)}" style="color:#0b57d0;font-weight:600">'
            f"{escape(value.label)}</a>"
        )
    return escape(value)


def _value_text(value: MergeValue) -> str:
    if isinstance(value, Table):
        return "\n" + table_text(value) + "\n"
    if isinstance(value, Link):
        return value.url
    return value


def _lookup(context: dict[str, MergeValue], name: str) -> MergeValue:
    value = context.get(name, "")
    if not isinstance(value, (str, Table, Link)):
        raise TypeError(f"{name}: merge values are str, Table or Link, not {type(value).__name__}")
    return value


def merge_render(text: str, context: dict[str, MergeValue], *, html: bool) -> str:
    """Render firm text. In HTML every value is escaped (tables are built, not passed through)."""
    show = _value_html if html else _value_text
    return "".join(
        p if isinstance(p, str) else show(_lookup(context, p.name)) for p in merge_parse(text)
    )
