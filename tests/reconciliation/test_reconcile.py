"""Reconciliation against the book: the breaks of each kind with their size, the drift scan's
hold on an account with an unresolved break, ops' decisions, refusals, and firm isolation."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from drift.models import DriftSnapshot, Proposal
from drift.services.scan import drift_scan_run
from drift.services.scan_shards import scan_plan, scan_shard_run
from firms.choices import Role
from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
from portfolios.models import Account, Position, Transaction
from reconciliation.models import ReconciliationBreak, ReconciliationRun
from reconciliation.selectors import open_break_reasons
from reconciliation.services.decisions import DecisionRefused, break_accept, break_resolve
from reconciliation.services.reconcile import reconcile_file
from reconciliation.signals import breaks_found

from .helpers import DAY, book_rows, csv_bytes, every_kind_rows, recon_book, upload

pytestmark = pytest.mark.django_db


def _reconcile(firm, book, rows, *, as_of=DAY, actor=None, code=None):
    return reconcile_file(
        firm=firm,
        custodian_code=code or book["custodian"].code,
        as_of=as_of,
        source=upload(rows),
        actor=actor,
        origin="web",
        file_name="schwab-positions.csv",
    )


def _breaks():
    rows = ReconciliationBreak.objects.filter(status="open").values_list(
        "account_number",
        "kind",
        "symbol",
        "book_quantity",
        "custodian_quantity",
        "quantity_difference",
        "market_value",
    )
    return {(n, k, s): (b, c, d, v) for n, k, s, b, c, d, v in rows}


def test_a_matching_file_gives_no_breaks(scoped, members_a):
    book = recon_book(scoped)
    result = _reconcile(scoped, book, book_rows(book), actor=members_a[Role.OPS])
    assert result.ok, result.errors
    assert result.counts["breaks"] == 0 and result.counts["rows"] == 9
    assert not ReconciliationBreak.objects.exists()
    entry = AuditEntry.objects.get(event="reconciliation.run")
    assert entry.payload["breaks"] == 0 and entry.actor == members_a[Role.OPS].user


def test_each_kind_of_break_is_listed_with_its_size(scoped, django_capture_on_commit_callbacks):
    book = recon_book(scoped)
    heard = []
    breaks_found.connect(lambda **kw: heard.append(kw), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = _reconcile(scoped, book, every_kind_rows(book))
    finally:
        breaks_found.disconnect(dispatch_uid="t")
    assert result.ok, result.errors
    assert len(heard) == 1 and len(heard[0]["break_ids"]) == 7
    assert heard[0]["firm_id"] == scoped.pk and heard[0]["run_id"] == result.run.pk
    q, d0 = Decimal, Decimal("0")
    assert _breaks() == {
        ("R-1001", "quantity", "VTI"): (q(660), q(650), q(-10), q("-1000.00")),
        ("R-1001", "cash", "CASH"): (q(1000), q(1100), q(100), q("100.00")),
        ("R-1002", "unknown_security", "XYZ"): (d0, q(5), q(5), None),
        ("R-9999", "missing_in_book", "VTI"): (d0, q(10), q(10), q("1000.00")),
        ("R-1003", "missing_in_file", "VTI"): (q(660), d0, q(-660), q("-66000.00")),
        ("R-1003", "missing_in_file", "BND"): (q(680), d0, q(-680), q("-34000.00")),
        ("R-1003", "missing_in_file", "CASH"): (q(1000), d0, q(-1000), q("-1000.00")),
    }
    assert result.counts["accounts_with_breaks"] == 4
    assert result.counts["by_kind"] == {
        "cash": 1,
        "missing_in_book": 1,
        "missing_in_file": 3,
        "quantity": 1,
        "unknown_security": 1,
    }
    # The row of the file each break came from, for the ones the file has.
    assert ReconciliationBreak.objects.get(kind="unknown_security").line == 8
    assert ReconciliationBreak.objects.get(kind="missing_in_book").account_id is None


def _proposed(as_of=DAY) -> set[str]:
    return set(
        Proposal.objects.filter(as_of=as_of, source="scan").values_list(
            "account__number", flat=True
        )
    )


def test_an_unresolved_break_stops_the_accounts_proposal_and_the_snapshot_says_why(scoped):
    book = recon_book(scoped, accounts=3)
    a, b, c = (x.number for x in book["accounts"])
    # A quantity break on a; b matches; c is missing from the file.
    rows = [r for r in book_rows(book) if r[0] != c]
    rows[0] = (a, "VTI", "659")
    assert _reconcile(scoped, book, rows).ok
    run = drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    assert _proposed() == {b}
    snaps = {s.account.number: s for s in DriftSnapshot.objects.select_related("account")}
    for number in (a, c):
        assert snaps[number].status == "recon_break" and not snaps[number].breached
        assert snaps[number].get_status_display() == "Unresolved reconciliation break"
        assert snaps[number].status_reason.startswith("unresolved reconciliation break")
    assert "quantity" in snaps[a].status_reason and "missing in file" in snaps[c].status_reason
    assert snaps[b].status == "ok" and snaps[b].breached
    assert run.counts["status_recon_break"] == 2


def test_accepting_adjusts_the_book_audits_it_and_the_next_scan_proposes(scoped, members_a):
    book = recon_book(scoped, accounts=2)
    a = book["accounts"][0]
    rows = book_rows(book)
    rows[0] = (a.number, "VTI", "700")  # the custodian holds 40 more
    assert _reconcile(scoped, book, rows).ok
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    assert a.number not in _proposed()
    found = ReconciliationBreak.objects.get()
    ops = members_a[Role.OPS]
    break_accept(break_id=found.pk, actor=ops)
    assert Position.objects.get(account=a, security=book["stock"]).quantity == 700
    found.refresh_from_db()
    assert found.status == "accepted" and found.resolved_by == ops and found.resolved_at
    adjusted = AuditEntry.objects.get(event="book.adjusted")
    assert adjusted.payload["from"] == "660.000000" and adjusted.payload["to"] == "700.000000"
    assert adjusted.payload["source"] == "reconciliation" and adjusted.actor == ops.user
    assert AuditEntry.objects.filter(event="reconciliation.break_accepted").count() == 1
    assert open_break_reasons(scoped.pk).empty
    # The day's scan again: the account is drifted (70/30 of 60/40) and now proposed.
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    assert a.number in _proposed()
    assert DriftSnapshot.objects.get(account=a).status == "ok"
    with pytest.raises(DecisionRefused, match="no longer open: accepted"):
        break_accept(break_id=found.pk, actor=ops)


def test_accepting_cash_and_a_missing_account_and_what_cannot_be_accepted(scoped, members_a):
    book = recon_book(scoped)
    assert _reconcile(scoped, book, every_kind_rows(book)).ok
    ops = members_a[Role.OPS]
    by_kind = {(x.kind, x.symbol): x for x in ReconciliationBreak.objects.all()}
    break_accept(break_id=by_kind[("cash", "CASH")].pk, actor=ops)
    assert Position.objects.get(account__number="R-1001", security=book["cash"]).quantity == 1100
    break_accept(break_id=by_kind[("missing_in_file", "VTI")].pk, actor=ops)
    assert Position.objects.get(account__number="R-1003", security=book["stock"]).quantity == 0
    for kind in (("unknown_security", "XYZ"), ("missing_in_book", "VTI")):
        with pytest.raises(DecisionRefused, match="Import it"):
            break_accept(break_id=by_kind[kind].pk, actor=ops)
        assert ReconciliationBreak.objects.get(pk=by_kind[kind].pk).status == "open"


def test_resolving_needs_a_reason_and_lifts_the_hold(scoped, members_a):
    book = recon_book(scoped, accounts=2)
    rows = [r for r in book_rows(book) if r[1] != "BND" or r[0] != "R-1001"]
    assert _reconcile(scoped, book, rows).ok
    found = ReconciliationBreak.objects.get()
    ops = members_a[Role.OPS]
    with pytest.raises(DecisionRefused, match="written reason"):
        break_resolve(break_id=found.pk, actor=ops, reason="  ")
    break_resolve(break_id=found.pk, actor=ops, reason="BND transfer in flight; custodian lags")
    found.refresh_from_db()
    assert found.status == "resolved" and found.resolution.startswith("BND transfer")
    entry = AuditEntry.objects.get(event="reconciliation.break_resolved")
    assert (
        entry.payload["reason"].startswith("BND transfer") and entry.payload["kind"] == "quantity"
    )
    assert Position.objects.get(account__number="R-1001", security=book["bond"]).quantity == 680
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    assert _proposed() == {"R-1001", "R-1002"}


def test_a_later_file_updates_a_break_it_still_shows_and_clears_one_it_does_not(scoped):
    book = recon_book(scoped, accounts=2)
    rows = book_rows(book)
    rows[0] = ("R-1001", "VTI", "650")
    rows[3] = ("R-1002", "VTI", "600")
    assert _reconcile(scoped, book, rows).ok
    first = {x.account_number: x.pk for x in ReconciliationBreak.objects.all()}
    rows[3] = ("R-1002", "VTI", "660")
    rows[0] = ("R-1001", "VTI", "655")
    result = _reconcile(scoped, book, rows, as_of=DAY + timedelta(days=1))
    assert result.counts["still_open"] == 1 and result.counts["cleared"] == 1
    kept = ReconciliationBreak.objects.get(pk=first["R-1001"])
    assert kept.status == "open" and kept.quantity_difference == -5
    assert kept.first_seen == DAY and kept.as_of == DAY + timedelta(days=1)
    cleared = ReconciliationBreak.objects.get(pk=first["R-1002"])
    assert cleared.status == "cleared" and "not a difference" in cleared.resolution


def test_refusals_name_file_row_and_column_and_write_no_break(scoped, members_a):
    book = recon_book(scoped)
    bad = [("R-1001", "VTI", "66o"), ("R-1001", "VTI", "1"), ("", "BND", "-3")]
    result = _reconcile(scoped, book, bad)
    assert not result.ok
    found = {(e.file, e.row, e.column) for e in result.errors}
    assert ("positions.csv", 2, "quantity") in found
    assert ("positions.csv", 3, "account_number, symbol") in found
    assert ("positions.csv", 4, "account_number") in found and (
        "positions.csv",
        4,
        "quantity",
    ) in found
    assert "66o" in str(result.errors[0]) or any(
        '"66o" is not a number' in str(e) for e in result.errors
    )
    assert not ReconciliationBreak.objects.exists()
    assert ReconciliationRun.objects.get().ok is False
    assert AuditEntry.objects.filter(event="reconciliation.refused").count() == 1
    unknown = _reconcile(scoped, book, book_rows(book), code="nobody")
    assert 'unknown custodian "nobody"' in str(unknown.errors[0])
    future = _reconcile(scoped, book, book_rows(book), as_of=date(2099, 1, 2))
    assert "in the future" in str(future.errors[0])
    missing = reconcile_file(
        firm=scoped,
        custodian_code=book["custodian"].code,
        as_of=DAY,
        source=csv_bytes([("R-1001", "VTI", "1")]).replace(b"quantity", b"qty"),
        origin="api",
    )
    assert 'missing column "quantity"' in str(missing.errors[0])


def test_a_day_before_the_books_fills_or_the_last_file_is_refused(scoped):
    book = recon_book(scoped)
    a = book["accounts"][0]
    Transaction.objects.create(
        firm=scoped, account=a, date=DAY, security=book["stock"], side="buy", quantity=1, price=1
    )
    early = _reconcile(scoped, book, book_rows(book), as_of=DAY - timedelta(days=1))
    assert "already holds fills of 2026-11-24" in str(early.errors[0])
    assert _reconcile(scoped, book, book_rows(book)).ok
    Transaction.objects.all().delete()
    again = _reconcile(scoped, book, book_rows(book), as_of=DAY - timedelta(days=3))
    assert "is reconciled already" in str(again.errors[0])


def test_a_sharded_scan_holds_the_accounts_of_its_shard_only(scoped):
    book = recon_book(scoped, accounts=3)
    rows = book_rows(book)
    rows[0] = ("R-1001", "VTI", "1")
    assert _reconcile(scoped, book, rows).ok
    run, pending = scan_plan(firm_id=scoped.pk, as_of=DAY, shard_size=1)
    assert len(pending) == 3
    for shard_id in pending:
        scan_shard_run(firm_id=scoped.pk, shard_id=shard_id)
    assert _proposed() == {"R-1002", "R-1003"}
    assert DriftSnapshot.objects.get(account__number="R-1001").status == "recon_break"
    reasons = open_break_reasons(scoped.pk, [book["accounts"][1].pk])
    assert reasons.empty


def test_reconciling_firm_a_touches_nothing_of_firm_b_with_the_same_numbers(
    firm_a, firm_b, members_a
):
    with firm_scope(firm_b):
        book_b = recon_book(firm_b)
        before_b = sorted(Position.objects.values_list("account__number", "quantity"))
    with firm_scope(firm_a):
        book_a = recon_book(firm_a)
        assert set(Account.objects.values_list("number", flat=True)) == {
            x.number for x in book_b["accounts"]
        }
        # Firm A's custodian code is its own; firm B's code means nothing here.
        result = _reconcile(firm_a, book_a, every_kind_rows(book_a))
        assert result.ok
        assert ReconciliationBreak.objects.count() == 7
        for found in ReconciliationBreak.objects.exclude(kind__in=["unknown_security"]):
            if found.kind in ("quantity", "cash", "missing_in_file"):
                break_accept(break_id=found.pk, actor=members_a[Role.OPS])
        # Firm B's custodian code is unknown to firm A.
        assert book_b["custodian"].code != book_a["custodian"].code
        foreign = _reconcile(firm_a, book_a, book_rows(book_a), code=book_b["custodian"].code)
        assert "unknown custodian" in str(foreign.errors[0])
    with firm_scope(firm_b):
        assert not ReconciliationBreak.objects.exists() and not ReconciliationRun.objects.exists()
        assert sorted(Position.objects.values_list("account__number", "quantity")) == before_b
        assert not AuditEntry.objects.filter(event__startswith="reconciliation").exists()
        assert not AuditEntry.objects.filter(event="book.adjusted").exists()
        drift_scan_run(firm_id=firm_b.pk, as_of=DAY)
        assert _proposed() == {"R-1001", "R-1002", "R-1003"}
        assert open_break_reasons(firm_b.pk).empty


def test_new_breaks_are_one_webhook_event_for_the_firms_endpoints_only(scoped, firm_b):
    from tests.webhooks.receiver import receiver_start
    from webhooks.models import WebhookDelivery, WebhookEvent
    from webhooks.services.endpoints import webhook_endpoint_create

    _receiver, server = receiver_start()
    try:
        for firm in (scoped, firm_b):
            with firm_scope(firm):
                webhook_endpoint_create(
                    firm_id=firm.pk,
                    url=_receiver.url,
                    event_types=["reconciliation.break"],
                    description="CRM",
                )
        book = recon_book(scoped)
        result = _reconcile(scoped, book, every_kind_rows(book))
        event = WebhookEvent.objects.get(type="reconciliation.break")
        assert (
            event.key == f"run:{result.run.pk}"
            and event.data["custodian"] == book["custodian"].code
        )
        found = {(b["account_number"], b["kind"], b["symbol"]): b for b in event.data["breaks"]}
        assert len(found) == 7
        quantity = found[("R-1001", "quantity", "VTI")]
        assert Decimal(quantity["quantity_difference"]) == -10
        assert Decimal(quantity["market_value"]) == Decimal("-1000.00")
        assert found[("R-1002", "unknown_security", "XYZ")]["market_value"] is None
        assert WebhookDelivery.objects.filter(event=event).count() == 1
        # The same file again finds no new break: no second event.
        _reconcile(scoped, book, every_kind_rows(book))
        assert WebhookEvent.objects.filter(type="reconciliation.break").count() == 1
    finally:
        server.shutdown()
        server.server_close()
    with firm_scope(firm_b):
        assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()
