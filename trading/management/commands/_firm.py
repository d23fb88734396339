from django.core.management.base import CommandError

from firms.db_security import owner_role
from firms.models import Firm


def firm_by_slug(slug: str) -> Firm:
    with owner_role():  # resolving a firm by slug is a platform act
        firm = Firm.objects.filter(slug=slug).first()
    if firm is None:
        raise CommandError(f"No firm with slug {slug!r}.")
    return firm
