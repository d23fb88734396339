"""Absurd data never becomes a proposal or an order; the account is flagged with
the reason. Price ≤ 0 and NaN cannot be stored (import error / DB constraint); a 100×
overnight jump, a close near the storable maximum and a 100× crash are read by the scan,
which marks the account `suspect_price` with the reason and proposes nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from drift.models import DriftSnapshot, Proposal
from drift.services.scan import drift_scan_run
from portfolios import models as pm
from tests.factories import make_book

DAY = date(2026, 11, 24)
PREV = DAY - timedelta(days=1)
pytestmark = pytest.mark.django_db


def _book_with_history(firm):
    """make_book at PREV (balanced enough for the growth band) plus a normal close on DAY."""
    book = make_book(firm, accounts=1, day=PREV)
    pm.Price.objects.create(firm=firm, security=book["bond"], date=DAY, close=Decimal("50"))
    return book


@pytest.mark.parametrize(
    "close, why",
    [
        (Decimal("10000"), "100.0x"),  # 100× overnight jump
        (Decimal("999999999999"), "cap"),  # the largest close the column holds (~1e12)
        (Decimal("1"), "100.0x"),  # a 100× crash (would look like a harvestable loss)
    ],
)
def test_an_absurd_close_flags_the_account_and_builds_no_proposal(scoped, close, why):
    book = _book_with_history(scoped)
    pm.Price.objects.create(firm=scoped, security=book["stock"], date=DAY, close=close)
    run = drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    snap = DriftSnapshot.objects.get(account=book["accounts"][0], as_of=DAY)
    assert snap.status == "suspect_price", (snap.status, snap.breached)
    assert not snap.breached
    assert "VTI" in snap.status_reason and (
        why in snap.status_reason or "cap" in snap.status_reason
    )
    assert not Proposal.objects.exists()
    assert run.counts.get("status_suspect_price") == 1


def test_a_normal_move_still_scans_ok(scoped):
    book = _book_with_history(scoped)
    pm.Price.objects.create(firm=scoped, security=book["stock"], date=DAY, close=Decimal("104"))
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    snap = DriftSnapshot.objects.get(account=book["accounts"][0], as_of=DAY)
    assert snap.status == "ok" and snap.status_reason == ""


def test_a_corrected_close_clears_the_flag_on_rerun(scoped):
    book = _book_with_history(scoped)
    bad = pm.Price.objects.create(
        firm=scoped, security=book["stock"], date=DAY, close=Decimal("10000")
    )
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    bad.close = Decimal("100")
    bad.save()
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    snap = DriftSnapshot.objects.get(account=book["accounts"][0], as_of=DAY)
    assert snap.status == "ok" and snap.status_reason == ""


@pytest.mark.parametrize("close", [Decimal("0"), Decimal("-5"), Decimal("NaN")])
def test_the_database_refuses_a_close_that_is_not_positive(scoped, close):
    book = make_book(scoped, accounts=1)
    with pytest.raises((IntegrityError, ValidationError)), transaction.atomic():
        pm.Price.objects.create(
            firm=scoped, security=book["stock"], date=DAY + timedelta(days=1), close=close
        )
    # Below the ORM too: PostgreSQL's numeric holds 'NaN', and NaN > 0 is TRUE there, so the
    # constraint itself must refuse it (it bounds the close above as well).
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO portfolios_price (firm_id, security_id, date, close) VALUES (%s, %s, %s, "
            "%s::numeric)",
            [scoped.pk, book["stock"].pk, DAY + timedelta(days=1), str(close)],
        )
    assert not pm.Price.objects.filter(date=DAY + timedelta(days=1)).exists()


def test_the_database_refuses_a_negative_quantity(scoped):
    book = make_book(scoped, accounts=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        pm.Position.objects.filter(account=book["accounts"][0], security=book["stock"]).update(
            quantity=Decimal("-1")
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "UPDATE portfolios_position SET quantity = 'NaN'::numeric WHERE account_id = %s",
            [book["accounts"][0].pk],
        )


def _import(firm, kind, text):
    from firms.services.tenancy import firm_scope
    from portfolios.importer import book_import

    with firm_scope(firm):
        return book_import(firm=firm, files={kind: text.encode()}, source="test")


@pytest.mark.parametrize(
    "close", ["0", "-1", "NaN", "nan", "inf", "1e12", "1000000000000", "", '"12,5"']
)
def test_an_absurd_close_in_an_import_is_a_row_numbered_error_and_writes_nothing(firm_a, close):
    from firms.services.tenancy import firm_scope

    with firm_scope(firm_a):
        make_book(firm_a, accounts=1)
        before = pm.Price.objects.count()
    result = _import(firm_a, "prices", f"date,symbol,close\n2026-11-20,VTI,{close}\n")
    assert not result.ok
    assert all(e.row == 2 and e.column == "close" for e in result.errors), [
        e.as_dict() for e in result.errors
    ]
    with firm_scope(firm_a):
        assert pm.Price.objects.count() == before


@pytest.mark.parametrize("qty", ["-1", "-0.5", "NaN", "1e3"])
def test_a_negative_or_absurd_quantity_in_an_import_is_refused(firm_a, qty):
    from firms.services.tenancy import firm_scope

    with firm_scope(firm_a):
        book = make_book(firm_a, accounts=1)
        number = book["accounts"][0].number
        before = list(pm.Position.objects.order_by("pk").values_list("quantity", flat=True))
    result = _import(firm_a, "positions", f"account_number,symbol,quantity\n{number},VTI,{qty}\n")
    assert not result.ok
    assert any(e.row == 2 and e.column == "quantity" for e in result.errors), [
        e.as_dict() for e in result.errors
    ]
    with firm_scope(firm_a):
        assert list(pm.Position.objects.order_by("pk").values_list("quantity", flat=True)) == before
