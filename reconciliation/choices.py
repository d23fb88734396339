"""What a reconciliation break can be, and where it stands."""

from django.db import models


class BreakKind(models.TextChoices):
    QUANTITY = "quantity", "Quantity difference"
    CASH = "cash", "Cash difference"
    UNKNOWN_SECURITY = "unknown_security", "Security unknown to the firm"
    MISSING_IN_BOOK = "missing_in_book", "Account in the file, not in the book"
    MISSING_IN_FILE = "missing_in_file", "Account in the book, not in the file"


# Breaks whose custodian figure the book can take (an adjustment of a position it holds or
# can hold); the others name a security or account the book does not have: import it, then
# resolve the break with a reason.
ACCEPTABLE_KINDS = frozenset({BreakKind.QUANTITY, BreakKind.CASH, BreakKind.MISSING_IN_FILE})


class BreakStatus(models.TextChoices):
    OPEN = "open", "Unresolved"
    ACCEPTED = "accepted", "Accepted (book adjusted to the custodian)"
    RESOLVED = "resolved", "Resolved by ops"
    CLEARED = "cleared", "Cleared by a later file"


class RunSource(models.TextChoices):
    WEB = "web", "Page"
    API = "api", "API"
    TASK = "task", "Stored file (task)"
