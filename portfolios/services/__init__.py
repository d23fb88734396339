"""Writes of the book besides the CSV import (portfolios.importer, one pipeline of its own):
the deterministic demo seed (demo) and its fixed catalogue (demo_catalogue)."""
