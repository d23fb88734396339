"""Trading pages, commands and API: role gates, the paused banner, the dry run sends nothing,
constant queries, and the other firm's objects are invisible."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drift.models import Proposal
from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
from tests.trading.helpers import approved_book, run_batch
from trading.models import Batch, ExecutionPause, Order, ProposalHold, SimulatedCustodianOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def full_fills(settings):
    settings.TRADING_SIMULATED = {"seed": 1, "reject_rate": 0.0, "partial_rate": 0.0}


def test_an_advisor_cannot_use_the_kill_switch_but_a_senior_advisor_can(firm_a, members_a, login):
    client = login(members_a["advisor"])
    assert client.post("/trading/pauses/", {"scope": "firm", "reason": "x"}).status_code == 403
    assert client.post("/trading/run-now/").status_code == 403
    client = login(members_a["senior_advisor"])
    # Server-side confirmation: the first POST only asks.
    ask = client.post("/trading/pauses/", {"scope": "firm", "reason": "custodian outage"})
    assert ask.status_code == 200 and b"Confirm: pause execution" in ask.content
    with firm_scope(firm_a):
        assert not ExecutionPause.objects.exists()
    client.post(
        "/trading/pauses/", {"scope": "firm", "reason": "custodian outage", "confirmed": "yes"}
    )
    with firm_scope(firm_a):
        pause = ExecutionPause.objects.get()
        assert pause.reason == "custodian outage" and pause.paused_by == members_a["senior_advisor"]
        assert AuditEntry.objects.filter(event="trading.paused").exists()
    page = client.get("/trading/")
    assert b"Automated execution is paused" in page.content and b"custodian outage" in page.content
    assert (
        b"Confirm: resume execution" in client.post(f"/trading/pauses/{pause.pk}/resume/").content
    )
    with firm_scope(firm_a):
        assert ExecutionPause.objects.get().resumed_at is None
    client.post(f"/trading/pauses/{pause.pk}/resume/", {"confirmed": "yes"})
    with firm_scope(firm_a):
        assert ExecutionPause.objects.get().resumed_at is not None
        assert AuditEntry.objects.filter(event="trading.resumed").exists()
    assert b"Automated execution is paused" not in client.get("/trading/").content


def test_a_senior_advisor_holds_and_releases_a_proposal(firm_a, members_a, login):
    book = approved_book(firm_a, 1)
    client = login(members_a["senior_advisor"])
    pk = book["proposals"][0]
    client.post(f"/trading/proposals/{pk}/hold/", {"reason": "client called"})
    with firm_scope(firm_a):
        assert ProposalHold.objects.get(released_at__isnull=True).reason == "client called"
    client.post(f"/trading/proposals/{pk}/release/")
    with firm_scope(firm_a):
        assert not ProposalHold.objects.filter(released_at__isnull=True).exists()


def test_the_dry_run_page_and_command_show_orders_and_skips_and_send_nothing(
    firm_a, members_a, login
):
    book = approved_book(firm_a, 2)
    with firm_scope(firm_a):
        ExecutionPause.objects.create(
            firm=firm_a, scope="account", account=book["accounts"][0], reason="on hold for review"
        )
    page = login(members_a["advisor"]).get("/trading/dry-run/")
    assert (
        page.status_code == 200 and b"on hold for review" in page.content and b"VTI" in page.content
    )
    out = StringIO()
    call_command("trade_dry_run", "alpha", "--date", "2026-11-25", stdout=out)
    assert "Orders: 2" in out.getvalue() and "on hold for review" in out.getvalue()
    with firm_scope(firm_a):
        assert (
            not Order.objects.exists()
            and not SimulatedCustodianOrder.objects.exists()
            and not Batch.objects.exists()
        )
        assert set(Proposal.objects.values_list("status", flat=True)) == {"approved"}


def test_the_trade_batch_command_runs_the_batch(firm_a):
    approved_book(firm_a, 1)
    out = StringIO()
    call_command("trade_batch", "alpha", "--date", "2026-11-25", stdout=out)
    assert "Done" in out.getvalue()
    with firm_scope(firm_a):
        assert Order.objects.count() == 2


def test_batch_pages_show_orders_and_run_constant_queries(
    firm_a, firm_b, members_a, members_b, login
):
    approved_book(firm_a, 2)
    approved_book(firm_b, 7)
    small, large = run_batch(firm_a), run_batch(firm_b)
    counts = []
    for member, batch, n in ((members_a["advisor"], small, 2), (members_b["advisor"], large, 7)):
        client = login(member)
        with CaptureQueriesContext(connection) as detail:
            page = client.get(f"/trading/batches/{batch.pk}/")
        assert (
            page.status_code == 200 and page.content.count(b"<td>Filled</td>") == 2 + 2 * n
        )  # blocks + orders
        with CaptureQueriesContext(connection) as home:
            assert client.get("/trading/").status_code == 200
        counts.append((len(detail), len(home)))
    assert counts[0] == counts[1]


def test_the_api_lists_only_the_callers_firms_batches_and_orders(firm_a, firm_b, members_a, login):
    approved_book(firm_a, 1)
    approved_book(firm_b, 2)
    run_batch(firm_a)
    run_batch(firm_b)
    client = login(members_a["advisor"])
    orders = client.get("/api/trading/orders/").json()
    rows = orders["results"] if isinstance(orders, dict) else orders
    assert len(rows) == 2 and all(r["client_order_id"].startswith("P") for r in rows)
    batches = client.get("/api/trading/batches/").json()
    assert len(batches["results"] if isinstance(batches, dict) else batches) == 1
