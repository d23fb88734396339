"""CSV that a spreadsheet cannot execute (OWASP CSV injection, ASVS 5.0 1.2.10): a text cell
starting with = + - @, a tab or a carriage return gets a leading apostrophe."""

import csv
import io
from decimal import Decimal

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return str(value)  # a number is data, not a formula (negative numbers stay numbers)
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(DANGEROUS) else text


def csv_bytes(rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue().encode("utf-8")
