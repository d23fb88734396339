"""The monthly report's CSV writer lives in core.safe_csv (every list export uses it too)."""

from core.safe_csv import DANGEROUS, csv_bytes, safe_cell

__all__ = ["DANGEROUS", "csv_bytes", "safe_cell"]
