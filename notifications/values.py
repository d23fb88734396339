"""The only value types a merge field can hold. The renderer refuses anything else, so no
model object (and none of its attributes) can ever reach a template."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]  # right-align this column
    empty: str = "Nothing to show."


@dataclass(frozen=True)
class Link:
    url: str
    label: str


MergeValue = str | Table | Link
