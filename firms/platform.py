"""The only platform-wide reads: listing every firm, and finding one by slug.

Both run as the schema owner because the firms table is itself row-level secured (a firm
sees only itself). Everything a periodic job then does per firm happens inside that firm's
scope."""
from collections.abc import Callable

from django.core.management.base import CommandError

from .db_security import owner_role
from .models import Firm
from .tenancy import firm_scope


def firm_ids_all() -> list[int]:
    with owner_role():
        return list(Firm.objects.order_by("pk").values_list("pk", flat=True))


def firm_ids_where(predicate: Callable[[], bool]) -> list[int]:
    """The firms for which `predicate()`, evaluated inside each firm's scope, is true."""
    chosen = []
    for firm_id in firm_ids_all():
        with firm_scope(firm_id):
            if predicate():
                chosen.append(firm_id)
    return chosen


def firm_by_slug(slug: str) -> Firm:
    """For management commands: the firm, or a CommandError naming the unknown slug."""
    with owner_role():
        firm = Firm.objects.filter(slug=slug).first()
    if firm is None:
        raise CommandError(f"No firm with slug {slug!r}.")
    return firm
