"""Approved proposals ready for a batch: a book, a scan, and the drift transitions."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from drift.models import Proposal
from drift.services.scan import drift_scan_run
from drift.services.transitions import proposals_transition
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from portfolios.calc.market_calendar import NEW_YORK
from tests.factories import make_book

SCAN_DAY = date(2026, 11, 24)
TRADE_DAY = date(2026, 11, 25)


def ny(day: date, hh: int, mm: int) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=NEW_YORK)


def approved_book(firm, n=3, *, tradable=True, fractional=False):
    """`n` accounts drifted 66/34 against 60/40, each with an approved proposal."""
    with firm_scope(firm):
        book = make_book(firm, accounts=n, day=SCAN_DAY)
        pm.Account.objects.update(segment="conservative")
        cust = book["custodian"]
        cust.supports_fractional = fractional
        cust.save()
        for pos in pm.Position.objects.all():
            pm.TaxLot.objects.create(
                firm=firm,
                account_id=pos.account_id,
                security_id=pos.security_id,
                acquired_on=date(2024, 1, 2),
                quantity=pos.quantity,
                cost_basis=pos.quantity * 40,
            )
        if tradable:
            for sec in (book["stock"], book["bond"]):
                pm.CustodianSecurity.objects.create(firm=firm, custodian=cust, security=sec)
        drift_scan_run(firm_id=firm.pk, as_of=SCAN_DAY)
        for p in Proposal.objects.all():
            approve(p)
        book["proposals"] = list(Proposal.objects.order_by("pk").values_list("pk", flat=True))
    return book


def approve(proposal):
    """Compliance cleared it (the routable gate trading checks too), then the client approved."""
    from compliance.models import ComplianceReview

    ComplianceReview.objects.get_or_create(
        firm_id=proposal.firm_id,
        proposal=proposal,
        defaults={"status": "clear", "checked_at": timezone.now()},
    )
    for status in ("checked", "awaiting_approval", "approved"):
        proposals_transition(ids=[proposal.pk], to=status)
    proposal.refresh_from_db()
    return proposal


def set_price(firm, security, day, close):
    with firm_scope(firm):
        pm.Price.objects.update_or_create(
            firm=firm, security=security, date=day, defaults={"close": Decimal(close)}
        )


def run_batch(firm, day=TRADE_DAY, **kwargs):
    from trading.services.batch import batch_run

    with firm_scope(firm):
        return batch_run(firm_id=firm.pk, trade_date=day, **kwargs)
