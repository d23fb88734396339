"""Writes and business logic of the trading app, one module per topic (batch, sending, fills,
booking, settlement, confirmations, the kill switch, the dry run)."""
