"""What later stages (approvals) hear from compliance."""

from django.dispatch import Signal

# Sent after commit when proposals become ready for routing (clear, or overridden by an
# officer). kwargs: firm_id: int, proposal_ids: list[int]
proposals_cleared = Signal()

# Sent after commit when a check could not run on some proposals (they are flagged with an
# error finding; notifications emails the firm's officers). kwargs: firm_id: int,
# errors: {rule kind: {proposal id: error text}}
checks_not_run = Signal()
