"""Books for the list and dashboard tests: accounts scanned, proposals routed or approved,
orders of a batch, in one firm, at a chosen size."""

from django.utils import timezone

from approvals.models import Approval
from approvals.services import approvals_start
from firms.services.tenancy import firm_scope
from tests.approvals.helpers import checked
from tests.trading.helpers import approved_book, run_batch


def routed(firm, advisor, n, value="250000.00"):
    """`n` accounts of `advisor`, each proposal routed: advisor pre-approval, then the client."""
    book, _ids = checked(firm, n=n, value=value, advisor=advisor)
    with firm_scope(firm):
        approvals_start(firm_id=firm.pk, now=timezone.now())
        return book, list(Approval.objects.order_by("pk"))


def traded(firm, n):
    """`n` accounts with approved proposals and the batch's orders (two per account)."""
    book = approved_book(firm, n)
    run_batch(firm)
    return book
