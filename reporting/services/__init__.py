"""Writes and business logic of reporting, one module per topic."""
