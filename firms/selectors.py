"""The only platform-wide reads: listing every firm, and finding one by slug.

The firms table is itself row-level secured (a firm sees only itself), and the application's
login has no owner privileges: both reads go through functions owned by the schema owner that
return firm ids only (firms migration 0004). Everything a periodic job then does per firm
happens inside that firm's scope."""

from collections.abc import Callable

from django.core.management.base import CommandError
from django.db import connection

from firms.models import Firm
from firms.services.tenancy import firm_scope


def firm_ids_all() -> list[int]:
    with connection.cursor() as cur:
        cur.execute("SELECT app_firm_ids()")
        return [row[0] for row in cur.fetchall()]


def firm_id_by_slug(slug: str) -> int | None:
    with connection.cursor() as cur:
        cur.execute("SELECT app_firm_id_by_slug(%s)", [slug])
        return cur.fetchone()[0]


def firm_find(slug: str) -> Firm | None:
    """The firm with this slug (read inside its own scope), or None."""
    firm_id = firm_id_by_slug(slug)
    if firm_id is None:
        return None
    with firm_scope(firm_id):
        return Firm.objects.get(pk=firm_id)


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
    firm = firm_find(slug)
    if firm is None:
        raise CommandError(f"No firm with slug {slug!r}.")
    return firm
