"""What later stages (approvals) hear from compliance."""

from django.dispatch import Signal

# Sent after commit when proposals become ready for routing (clear, or overridden by an
# officer). kwargs: firm_id: int, proposal_ids: list[int]
proposals_cleared = Signal()
