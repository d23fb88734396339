"""What later stages hear from drift (they may import drift; drift never imports them)."""
from django.dispatch import Signal

# Sent after the transaction that created new proposal versions commits.
# kwargs: firm_id: int, proposal_ids: list[int]
proposals_created = Signal()
