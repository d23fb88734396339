"""Pure timing rules (R-NOTE-3/4), tested with an injected clock."""

from datetime import datetime, timedelta

from django.conf import settings


def reminder_due(started_at: datetime, deadline: datetime, now: datetime) -> bool:
    """True once half of the approval window has passed, until the deadline itself (after
    that the proposal expires; no reminder). The approvals sweep calls this with its clock."""
    if deadline <= started_at:
        return False
    return started_at + (deadline - started_at) / 2 <= now < deadline


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failed try: base, 2×base, 4×base… capped."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATIONS_RETRY_MAX_SECONDS)
    )


def sending_timeout() -> timedelta:
    """A message claimed longer ago than this is presumed lost with its worker and reclaimed."""
    return timedelta(seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS)
