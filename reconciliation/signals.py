"""What later stages hear from reconciliation (they may import it; it never imports them)."""

from django.dispatch import Signal

# Sent after a reconciliation that found new breaks commits (e.g. a webhook "reconciliation
# break" event). kwargs: firm_id: int, run_id: int, break_ids: list[int] (the new ones).
breaks_found = Signal()
