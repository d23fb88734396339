"""Reads of reporting, one module per topic: set-based, a fixed number of queries."""
