"""What later stages hear from firms (they may import firms; firms never imports them)."""

from django.dispatch import Signal

# Sent by firms.services.setup.firm_defaults_seed inside the firm's scope and one transaction.
# Each stage's receiver creates the defaults of its own that the firm lacks (idempotent) and
# returns {what: how many created}. kwargs: firm_id: int
firm_defaults_wanted = Signal()
