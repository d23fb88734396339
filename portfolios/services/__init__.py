"""Writes of the book besides the CSV import (portfolios.importer): the demo seed."""
