"""Each stage emits its events in the transaction of its change, set-based (one write per
batch, whatever the number of objects), and only for firms listening to that type."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from drift.models import Proposal
from drift.services.scan import drift_scan_run
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from tests.factories import make_book
from tests.webhooks.conftest import endpoint_for
from webhooks.choices import EventType as T
from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.services.emit import webhook_emit_many

pytestmark = pytest.mark.django_db


def events(firm, event_type) -> dict[str, dict]:
    with firm_scope(firm):
        return dict(WebhookEvent.objects.filter(type=event_type).values_list("key", "data"))


def scanned(firm, accounts=3):
    with firm_scope(firm):
        book = make_book(firm, accounts=accounts)
        pm.Account.objects.update(segment="conservative")
        drift_scan_run(firm_id=firm.pk, as_of=book["stock"].prices.first().date)
    return book


def test_proposal_created_carries_the_proposal_with_amounts_as_decimal_strings(firm_a, receiver):
    endpoint_for(firm_a, receiver, event_types=[T.PROPOSAL_CREATED])
    scanned(firm_a)
    created = events(firm_a, T.PROPOSAL_CREATED)
    with firm_scope(firm_a):
        proposals = list(Proposal.objects.select_related("account__client"))
        assert len(created) == len(proposals) == 3
        assert WebhookDelivery.objects.count() == 3
    for p in proposals:
        data = created[str(p.pk)]
        assert data["proposal_id"] == p.pk and data["version"] == p.version
        assert data["account_number"] == p.account.number
        assert data["client_id"] == p.account.client_id
        assert Decimal(data["trade_value"]) == p.trade_value
        assert data["trade_value"] == str(p.trade_value)  # the stored decimal, as text
        assert data["as_of"] == p.as_of.isoformat() and data["status"] == "draft"
        assert "email" not in str(data) and p.account.client.name not in str(data)


def test_a_firm_without_a_listening_endpoint_gets_no_events(firm_a, receiver):
    endpoint_for(firm_a, receiver, event_types=[T.REPORT_READY])  # not proposals
    scanned(firm_a)
    with firm_scope(firm_a):
        assert WebhookEvent.objects.count() == 0


def test_emitting_is_one_check_and_one_write_whatever_the_number(firm_a, receiver):
    scanned(firm_a, accounts=6)
    with firm_scope(firm_a):
        ids = list(Proposal.objects.values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as nobody:
            assert webhook_emit_many(firm_id=firm_a.pk, event_type=T.PROPOSAL_CREATED, ids=ids) == 0
        assert len(nobody) == 1 and WebhookEvent.objects.count() == 0
    endpoint_for(firm_a, receiver)
    endpoint_for(firm_a, receiver, description="second")
    with firm_scope(firm_a):
        with CaptureQueriesContext(connection) as one:
            webhook_emit_many(firm_id=firm_a.pk, event_type=T.PROPOSAL_CREATED, ids=ids[:1])
        with CaptureQueriesContext(connection) as many:
            written = webhook_emit_many(
                firm_id=firm_a.pk, event_type=T.PROPOSAL_CREATED, ids=ids[1:]
            )
        assert len(one) == len(many) == 2
        assert written == 2 * (len(ids) - 1)  # an event, two endpoints: two deliveries each
        assert WebhookDelivery.objects.count() == 2 * len(ids)


def test_a_rolled_back_change_emits_nothing(firm_a, receiver):
    from django.db import transaction

    endpoint_for(firm_a, receiver)
    book = scanned(firm_a, accounts=1)
    with firm_scope(firm_a):
        before = WebhookEvent.objects.count()
        with pytest.raises(RuntimeError), transaction.atomic():
            pm.Account.objects.update(segment="aggressive")
            drift_scan_run(firm_id=firm_a.pk, as_of=book["stock"].prices.first().date)
            raise RuntimeError("the stage failed after emitting")
        assert WebhookEvent.objects.count() == before


def test_compliance_flagged_and_blocked_carry_the_findings(firm_a, receiver):
    from compliance.services.checks import proposals_check
    from tests.compliance.helpers import account_for, book, proposal, security

    endpoint_for(firm_a, receiver, event_types=[T.COMPLIANCE_FLAGGED, T.COMPLIANCE_BLOCKED])
    with firm_scope(firm_a):
        b = book(firm_a)
        div = security(firm_a, "DIV", 1, diversified=True)
        stk = security(firm_a, "STK", 1, security_type="stock")
        flagged = proposal(
            firm_a, account_for(firm_a, b), [(div, "buy", 3000, 1, 0), (stk, "buy", 2000, 1, 0)]
        )
        blocked = proposal(firm_a, account_for(firm_a, b), [(div, "buy", 10000, 1, 0)])
        clear = proposal(firm_a, account_for(firm_a, b), [(div, "buy", 5000, 1, 0)])
        proposals_check(firm_id=firm_a.pk, proposal_ids=[flagged.pk, blocked.pk, clear.pk])
    got_flagged, got_blocked = (
        events(firm_a, T.COMPLIANCE_FLAGGED),
        events(firm_a, T.COMPLIANCE_BLOCKED),
    )
    assert [d["proposal_id"] for d in got_flagged.values()] == [flagged.pk]
    assert [d["proposal_id"] for d in got_blocked.values()] == [blocked.pk]
    [data] = got_flagged.values()
    assert data["review_status"] == "flagged" and data["findings"]
    assert {f["severity"] for f in data["findings"]} == {"flag"}
    assert next(iter(got_blocked.values()))["findings"][0]["severity"] == "block"


def test_approval_requested_and_decided_and_expired(firm_a, receiver, monkeypatch):
    from approvals.models import Approval
    from approvals.services import approvals_start
    from approvals.services.decisions import approval_client_decline
    from approvals.services.expiry import approval_expire
    from tests.approvals.helpers import checked, route_emails_to

    monkeypatch.setattr("approvals.services.notify._deliver", lambda **kw: None)
    route_emails_to(monkeypatch, lambda **kw: None)
    endpoint_for(firm_a, receiver)
    checked(firm_a, n=2, value="50000.00")
    with firm_scope(firm_a):
        approvals_start(firm_id=firm_a.pk, now=timezone.now())
        first, second = Approval.objects.select_related("proposal__account__client").order_by("pk")
    requested = events(firm_a, T.APPROVAL_REQUESTED)
    assert sorted(requested) == sorted([str(first.pk), str(second.pk)])
    assert requested[str(first.pk)]["steps"][0] == "client"
    assert requested[str(first.pk)]["account_number"] == first.proposal.account.number
    with firm_scope(firm_a):
        approval_client_decline(
            approval_id=first.pk,
            user=first.proposal.account.client.user,
            reason="not now",
            now=timezone.now(),
        )
        approval_expire(approval_id=second.pk, now=second.deadline + timedelta(minutes=1))
    decided, expired = events(firm_a, T.APPROVAL_DECIDED), events(firm_a, T.APPROVAL_EXPIRED)
    assert decided[str(first.pk)]["status"] == "declined" and decided[str(first.pk)]["decided_at"]
    assert "not now" not in str(decided)  # the client's own words stay in the app
    assert list(expired) == [str(second.pk)] and expired[str(second.pk)]["status"] == "expired"


def test_batch_executed_and_orders_filled(firm_a, receiver):
    from tests.trading.helpers import approved_book, run_batch
    from trading.models import Order

    endpoint_for(firm_a, receiver)
    approved_book(firm_a, n=2)
    batch = run_batch(firm_a)
    executed = events(firm_a, T.BATCH_EXECUTED)
    assert list(executed) == [f"{batch.pk}:1"]
    assert executed[f"{batch.pk}:1"]["counts"] == batch.counts
    with firm_scope(firm_a):
        orders = {o.pk: o for o in Order.objects.select_related("account", "security")}
    filled = events(firm_a, T.ORDER_FILLED)
    assert sorted(map(int, filled)) == sorted(
        pk for pk, o in orders.items() if o.status in ("filled", "partially_filled")
    )
    assert filled, "the simulated custodian fills the orders"
    for key, data in filled.items():
        o = orders[int(key)]
        assert data["symbol"] == o.security.symbol and data["account_number"] == o.account.number
        assert data["filled_quantity"] == str(o.filled_quantity)
        assert data["avg_price"] == str(o.avg_price) and data["fees"] == str(o.fees)
    run_batch(firm_a)  # a finished batch does not run again: nothing new
    assert len(events(firm_a, T.BATCH_EXECUTED)) == 1


def test_report_ready(firm_a, receiver, settings, tmp_path):
    from reporting.services.monthly import monthly_report_generate

    settings.MEDIA_ROOT = tmp_path
    endpoint_for(firm_a, receiver, event_types=[T.REPORT_READY])
    with firm_scope(firm_a):
        report = monthly_report_generate(
            firm_id=firm_a.pk, month=date(2026, 10, 1), today=date(2026, 12, 4)
        )
    [data] = events(firm_a, T.REPORT_READY).values()
    assert data["report_id"] == report.pk and data["month"] == "2026-10-01"
    assert data["pdf_sha256"] == report.pdf_sha256
    assert data["pdf_url"] == f"/api/reports/monthly/{report.pk}/pdf/"
