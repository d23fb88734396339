"""What later stages hear from drift (they may import drift; drift never imports them)."""

from django.dispatch import Signal

# Sent after the transaction that created new proposal versions commits.
# kwargs: firm_id: int, proposal_ids: list[int]
proposals_created = Signal()

# Sent after the transaction that moved proposals commits (drift.services.transitions is the
# only writer of a proposal's status). kwargs: firm_id: int, proposal_ids: list[int],
# to: str (the new status), reason: str
proposals_moved = Signal()
