"""The only value types a merge field can hold, and how a table renders. The renderer refuses
anything else, so no model object (and none of its attributes) can ever reach a template.

Tables for email: HTML with inline styles only (what email clients honour), and aligned plain
text for the text part. Narrow enough for a phone: no fixed widths, wrapping cells."""

from dataclasses import dataclass

from django.utils.html import escape


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


_TABLE = (
    '<table cellpadding="0" cellspacing="0" border="0" '
    'style="border-collapse:collapse;width:100%;max-width:560px;margin:8px 0 16px;'
    'font-size:14px;line-height:1.4">'
)
_TH = (
    "padding:6px 8px;border-bottom:2px solid #d0d7de;background:#f6f8fa;color:#1b1f24;"
    "font-weight:600;text-align:{align}"
)
_TD = (
    "padding:6px 8px;border-bottom:1px solid #e5e8eb;color:#1b1f24;text-align:{align};"
    "vertical-align:top"
)


def _align(table: Table, i: int) -> str:
    return "right" if table.numeric[i] else "left"


def _cells(table: Table, row: tuple[str, ...], tag: str, style: str) -> str:
    return "".join(
        f'<{tag} style="{style.format(align=_align(table, i))}">{escape(cell)}</{tag}>'
        for i, cell in enumerate(row)
    )


def table_html(table: Table) -> str:
    if not table.rows:
        return f'<p style="margin:8px 0;color:#57606a">{escape(table.empty)}</p>'
    head = f"<tr>{_cells(table, table.headers, 'th', _TH)}</tr>"
    body = "".join(f"<tr>{_cells(table, row, 'td', _TD)}</tr>" for row in table.rows)
    return f"{_TABLE}<thead>{head}</thead><tbody>{body}</tbody></table>"


def table_text(table: Table) -> str:
    if not table.rows:
        return table.empty
    widths = [
        max(len(r[i]) for r in (table.headers, *table.rows)) for i in range(len(table.headers))
    ]

    def line(row):
        return "  ".join(
            c.rjust(w) if table.numeric[i] else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(table.headers), rule, *(line(r) for r in table.rows)])
