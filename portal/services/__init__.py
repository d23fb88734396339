"""The portal's writes and business logic, one module per topic."""
