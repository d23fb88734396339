"""Firms' writes and business logic, one module per topic."""
