"""What later stages hear from portfolios (they may import portfolios; portfolios never imports
them)."""

from django.dispatch import Signal

# Sent after the transaction that wrote imported transactions commits (compliance re-checks the
# open proposals of the households concerned). kwargs: firm_id: int, account_ids: list[int]
transactions_imported = Signal()
