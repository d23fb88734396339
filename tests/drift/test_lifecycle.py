"""The proposal lifecycle: one transition function checked as a table, one
live version per account, and prices past the second tolerance rebuilt for the client."""

from datetime import UTC
from decimal import Decimal

import pytest

from drift.choices import ProposalStatus as S
from drift.models import Proposal
from drift.selectors.scan import open_proposal_accounts
from drift.services.advisor import RebalanceRefused, proposal_create_cash
from drift.services.rebuild import proposals_rebuild
from drift.services.transitions import TransitionNotAllowed, proposals_transition
from drift.tasks import drift_proposals_rebuild
from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
from portfolios.models import Security
from tests.trading.helpers import SCAN_DAY, TRADE_DAY, approved_book, run_batch, set_price
from trading.models import ConsentRecheck, Order
from trading.tasks import rebuilds_enqueue_owed, rebuilds_owed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def full_fills(settings):
    settings.TRADING_SIMULATED = {
        "seed": 1,
        "reject_rate": 0.0,
        "partial_rate": 0.0,
    }  # every order fills whole


# Each stage's event and the status it asks for.
EVENTS = {
    "compliance clears / officer overrides": S.CHECKED,
    "compliance flags": S.FLAGGED,
    "compliance blocks": S.BLOCKED,
    "routed for approval": S.AWAITING_APPROVAL,
    "approved": S.APPROVED,
    "declined / officer rejects": S.DECLINED,
    "window closes": S.EXPIRED,
    "batch queues": S.QUEUED,
    "blocks sent": S.SUBMITTED,
    "all filled": S.EXECUTED,
    "some filled": S.PARTIALLY_EXECUTED,
    "nothing filled": S.FAILED,
    "newer version": S.SUPERSEDED,
}
# The expected table, written out by hand (not read from drift.choices): from-state → the
# events it accepts. Every other (from-state, event) is refused, except asking for the state a
# proposal is already in, which is a no-op.
ACCEPTS = {
    S.DRAFT: {
        "compliance clears / officer overrides",
        "compliance flags",
        "compliance blocks",
        "newer version",
    },
    # A re-check on new facts (an imported loss sale) flags or blocks a reviewed proposal until
    # the batch queues it.
    S.FLAGGED: {
        "compliance clears / officer overrides",
        "compliance blocks",
        "declined / officer rejects",
        "newer version",
    },
    S.BLOCKED: {"declined / officer rejects", "newer version"},
    S.CHECKED: {
        "routed for approval",
        "compliance flags",
        "compliance blocks",
        "declined / officer rejects",
        "newer version",
    },
    S.AWAITING_APPROVAL: {
        "approved",
        "compliance flags",
        "compliance blocks",
        "declined / officer rejects",
        "window closes",
        "newer version",
    },
    # an approved version gives way to a newer one, or to a re-check's finding
    S.APPROVED: {"batch queues", "compliance flags", "compliance blocks", "newer version"},
    S.QUEUED: {"blocks sent", "nothing filled"},  # in a batch: never superseded
    S.SUBMITTED: {"all filled", "some filled", "nothing filled"},
    S.EXECUTED: set(),
    S.PARTIALLY_EXECUTED: set(),
    S.FAILED: set(),
    S.DECLINED: set(),
    S.EXPIRED: set(),
    S.SUPERSEDED: set(),
}


def test_the_expected_table_covers_every_state_and_reconsent_is_gone():
    assert set(ACCEPTS) == set(S)
    assert "reconsent" not in S.values


def test_every_state_and_event_moves_as_the_table_says_or_is_refused_without_a_write(firm_a):
    book = approved_book(firm_a, 1)
    with firm_scope(firm_a):
        pk = book["proposals"][0]
        for start in S:
            for event, to in EVENTS.items():
                Proposal.objects.filter(pk=pk).update(status=start)  # the cell's starting state
                entries = AuditEntry.objects.filter(event=f"proposal.{to}").count()
                if event in ACCEPTS[start]:
                    assert proposals_transition(ids=[pk], to=to, reason=event) == [pk], (
                        start,
                        event,
                    )
                    assert Proposal.objects.get(pk=pk).status == to
                    assert AuditEntry.objects.filter(event=f"proposal.{to}").count() == entries + 1
                elif start == to:
                    assert proposals_transition(ids=[pk], to=to) == [], (
                        start,
                        event,
                    )  # already there: no-op
                    assert AuditEntry.objects.filter(event=f"proposal.{to}").count() == entries
                else:
                    with pytest.raises(
                        TransitionNotAllowed, match=f"{start.label.lower()} cannot become"
                    ):
                        proposals_transition(ids=[pk], to=to)
                    assert Proposal.objects.get(pk=pk).status == start, (start, event)
                    assert AuditEntry.objects.filter(event=f"proposal.{to}").count() == entries


def test_one_audit_shape_one_signal_and_bulk_refusal_is_all_or_nothing(
    firm_a, django_capture_on_commit_callbacks
):
    from drift.signals import proposals_moved

    book = approved_book(firm_a, 3)
    heard = []

    def listen(sender, **kw):
        heard.append(kw)

    proposals_moved.connect(listen, dispatch_uid="test.listen")
    try:
        with firm_scope(firm_a):
            a, b, c = book["proposals"]
            Proposal.objects.filter(pk=c).update(status=S.EXECUTED)
            with pytest.raises(TransitionNotAllowed, match="executed cannot become superseded"):
                proposals_transition(ids=[a, b, c], to=S.SUPERSEDED)
            assert set(Proposal.objects.filter(pk__in=[a, b]).values_list("status", flat=True)) == {
                "approved"
            }
            with django_capture_on_commit_callbacks(execute=True):
                moved = proposals_transition(
                    ids=[c, b, a], to=S.SUPERSEDED, reason="test", skip_refused=True
                )
            assert moved == [a, b]
            entry = AuditEntry.objects.filter(event="proposal.superseded").latest("seq")
            assert entry.payload == {
                "to": "superseded",
                "reason": "test",
                "ids": [a, b],
                "from": {"approved": [a, b]},
            }
            assert (
                heard[-1]["proposal_ids"] == [a, b]
                and heard[-1]["to"] == "superseded"
                and heard[-1]["firm_id"] == firm_a.pk
            )
    finally:
        proposals_moved.disconnect(dispatch_uid="test.listen")


def test_another_firms_proposal_cannot_be_moved(firm_a, firm_b):
    book = approved_book(firm_a, 1)
    with firm_scope(firm_b):
        with pytest.raises(TransitionNotAllowed, match="No proposal"):
            proposals_transition(ids=book["proposals"], to=S.QUEUED)
        assert proposals_transition(ids=book["proposals"], to=S.QUEUED, skip_refused=True) == []
    with firm_scope(firm_a):
        assert Proposal.objects.get().status == "approved"


# --- One live version per account ------------------------------------------------------------


def test_an_approved_version_is_superseded_by_a_cash_raise_and_never_trades(firm_a):
    book = approved_book(firm_a, 1)
    with firm_scope(firm_a):
        v1 = Proposal.objects.get()
        v2 = proposal_create_cash(
            account=book["accounts"][0], kind="cash_raise", amount=Decimal("5000")
        )
        v1.refresh_from_db()
        assert (v1.status, v2.version, v2.status) == ("superseded", 2, "draft")
        entry = AuditEntry.objects.filter(event="proposal.superseded").latest("seq")
        assert entry.payload["ids"] == [v1.pk] and entry.payload["from"] == {"approved": [v1.pk]}
    run_batch(firm_a)
    with firm_scope(firm_a):
        assert not Order.objects.filter(proposal=v1).exists()
        assert Proposal.objects.get(pk=v1.pk).status == "superseded"


def test_a_queued_version_refuses_a_new_one_with_the_reason(firm_a):
    book = approved_book(firm_a, 1)
    with firm_scope(firm_a):
        v1 = Proposal.objects.get()
        proposals_transition(ids=[v1.pk], to=S.QUEUED)
        with pytest.raises(
            RebalanceRefused,
            match="version 1 is queued in a trade batch.*once that batch has settled",
        ):
            proposal_create_cash(
                account=book["accounts"][0], kind="cash_raise", amount=Decimal("5000")
            )
        assert list(Proposal.objects.values_list("version", "status")) == [(1, "queued")]


def test_a_model_change_leaves_an_account_in_a_batch_alone_and_says_why(firm_a):
    from drift.services.advisor import model_change_apply

    book = approved_book(firm_a, 2)
    with firm_scope(firm_a):
        busy, free = Proposal.objects.order_by("account_id")
        proposals_transition(ids=[busy.pk], to=S.QUEUED)
        targets = [
            {"asset_class": "us_equity", "security_id": book["stock"].pk, "weight": Decimal("50")},
            {"asset_class": "us_bonds", "security_id": book["bond"].pk, "weight": Decimal("50")},
        ]
        model_change_apply(model=book["model"], targets=targets, as_of=SCAN_DAY)
        assert Proposal.objects.get(pk=busy.pk).status == "queued"
        assert not Proposal.objects.filter(account_id=busy.account_id, version=2).exists()
        assert Proposal.objects.get(pk=free.pk).status == "superseded"
        assert Proposal.objects.filter(account_id=free.account_id, version=2).exists()
        note = AuditEntry.objects.get(event="model.accounts_in_batch")
        assert "in a trade batch" in note.payload["accounts"][str(busy.account_id)]


def test_after_the_batch_settles_a_new_version_starts_from_the_positions_after_the_fills(firm_a):
    book = approved_book(firm_a, 1)
    run_batch(firm_a)
    with firm_scope(firm_a):
        v1 = Proposal.objects.get()
        assert v1.status == "executed" and v1.drift_before > 5  # 66/34 against 60/40
        v2 = proposal_create_cash(
            account=book["accounts"][0], kind="cash_raise", amount=Decimal("5000")
        )
        # Read on the positions before the fills, the account would still be ~6 points off.
        assert v2.version == 2 and v2.drift_before < 1
        assert Proposal.objects.get(pk=v1.pk).status == "executed"


# --- Prices past the second tolerance: a new version for the client (no `reconsent` state) ------


def test_prices_past_the_second_tolerance_supersede_and_rebuild_at_todays_prices_for_the_client(
    firm_a, django_capture_on_commit_callbacks
):
    from approvals.models import Approval
    from approvals.services import approvals_start
    from compliance.services.checks import proposals_check

    book = approved_book(firm_a, 1)
    set_price(firm_a, book["stock"], TRADE_DAY, "107")  # +7% past the 5% tolerance
    set_price(firm_a, book["bond"], TRADE_DAY, str(pm_close(firm_a, book["bond"])))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_batch(firm_a)
    with firm_scope(firm_a):
        v1 = Proposal.objects.get()
        assert v1.status == "superseded" and ConsentRecheck.objects.filter(proposal=v1).exists()
        assert not Order.objects.exists()
        assert (
            callbacks
        )  # the rebuild is enqueued after commit; the minute check finds it if that is lost:
        assert rebuilds_owed(now=pm_now()) == [v1.pk]
        # Superseded is not open: the account is not skipped by later scans (it was for good as
        # `reconsent`).
        assert v1.account_id not in open_proposal_accounts(TRADE_DAY)
    assert rebuilds_enqueue_owed(now=pm_now()) == [firm_a.pk]
    with firm_scope(firm_a):
        built = drift_proposals_rebuild.run(
            firm_id=firm_a.pk, proposal_ids=[v1.pk]
        )  # the task's body, run here
        assert proposals_rebuild(firm_id=firm_a.pk, proposal_ids=[v1.pk]) == []  # idempotent
        assert rebuilds_owed(now=pm_now()) == []
        v2 = Proposal.objects.get(pk=built[0])
        assert (v2.version, v2.kind, v2.status, v2.as_of) == (2, v1.kind, "draft", TRADE_DAY)
        assert v2.trades.get(security=book["stock"]).price == Decimal("107")
        Security.objects.update(
            diversified=True
        )  # the book's two funds: not single-security concentration
        assert proposals_check(firm_id=firm_a.pk, proposal_ids=[v2.pk]) == {v2.pk: "clear"}
        approvals_start(firm_id=firm_a.pk, now=pm_now())
        approval = Approval.objects.get(proposal=v2)
        assert approval.content_hash == v2.content_hash != v1.content_hash
        assert "client" in set(approval.steps.values_list("role", flat=True))


def pm_close(firm, security):
    from portfolios.models import Price

    with firm_scope(firm):
        return (
            Price.objects.filter(security=security, date=SCAN_DAY)
            .values_list("close", flat=True)
            .get()
        )


def pm_now():
    from datetime import datetime, timezone

    return datetime(2026, 11, 25, 16, 0, tzinfo=UTC)


def test_the_examiners_evidence_holds_the_bulk_moves_of_the_proposal_and_not_of_others(firm_a):
    from reporting.selectors.evidence import evidence_collect

    approved_book(firm_a, 2)
    run_batch(firm_a)  # queued, submitted, executed: each one bulk entry for both proposals
    with firm_scope(firm_a):
        mine, other = Proposal.objects.order_by("pk")
        events = [e["event"] for e in evidence_collect(mine)["audit"]]
        assert {"proposal.queued", "proposal.submitted", "proposal.executed"} <= set(events)
        moves = [
            e
            for e in evidence_collect(mine)["audit"]
            if e["object_id"] == "" and e["event"].startswith("proposal.")
        ]
        assert moves and all(mine.pk in e["payload"]["ids"] for e in moves)
        assert AuditEntry.objects.filter(
            event="proposal.executed", payload__ids__contains=[other.pk]
        ).exists()


def test_the_model_change_page_says_which_accounts_wait_for_their_batch(firm_a, members_a, login):
    from portfolios.models import ModelTarget

    book = approved_book(firm_a, 2)
    with firm_scope(firm_a):
        busy = Proposal.objects.order_by("account_id").first()
        proposals_transition(ids=[busy.pk], to=S.QUEUED)
        weights = {f"w_{t.pk}": "50" for t in ModelTarget.objects.filter(model=book["model"])}
    client = login(members_a["committee_member"])
    url = f"/drift/models/{book['model'].pk}/"
    confirm = client.post(url, {**weights, "action": "preview"}).context["confirm"]
    response = client.post(url, {**weights, "action": "apply", "confirm": confirm}, follow=True)
    page = response.content.decode()
    assert (
        "until their trade batch settles" in page and "version 1 is queued in a trade batch" in page
    )


def test_no_product_code_writes_a_proposal_status_but_the_transition_function():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    apps = [
        "approvals",
        "bench",
        "compliance",
        "drift",
        "firms",
        "loadtest",
        "notifications",
        "portal",
        "portfolios",
        "reporting",
        "trading",
    ]
    writers = []
    for app in apps:
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts or path.name.startswith("bench_"):
                continue  # migrations and the benches' fixture inserts are not stages
            text = path.read_text()
            # update(status=…, status_changed_at=…), obj.status_changed_at = …, or raw SQL
            if re.search(
                r"\bstatus_changed_at=|\.status_changed_at\s*=[^=]|UPDATE\s+drift_proposal\s+SET",
                text,
                re.I,
            ):
                writers.append(str(path.relative_to(root)))
    assert writers == ["drift/services/transitions.py"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("head_start", ["cash_raise", "batch"])
def test_a_cash_raise_racing_the_batch_never_lets_two_versions_trade_or_one_trade_superseded(
    firm_a, head_start
):
    """Two connections: the advisor's cash raise and the batch that would queue the approved v1.
    Whichever locks v1 first wins; the other sees the outcome (a superseded v1 is skipped; a
    queued or sent v1 refuses the cash raise; after the fills v2 starts from them)."""
    import threading
    import time

    from django.db import connection

    from trading.services.batch import BatchBusy

    book = approved_book(firm_a, 1)
    outcome, errors = {}, []
    barrier = threading.Barrier(2)

    def cash_raise():
        try:
            barrier.wait()
            time.sleep(0 if head_start == "cash_raise" else 0.3)
            with firm_scope(firm_a):
                outcome["v2"] = proposal_create_cash(
                    account=book["accounts"][0], kind="cash_raise", amount=Decimal("5000")
                ).pk
        except RebalanceRefused as exc:
            outcome["refused"] = str(exc)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    def batch():
        try:
            barrier.wait()
            time.sleep(0 if head_start == "batch" else 0.3)
            run_batch(firm_a)
        except BatchBusy as exc:  # the batch lock and the builder's once shared a key
            outcome["busy"] = str(exc)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=cash_raise), threading.Thread(target=batch)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with firm_scope(firm_a):
        v1 = Proposal.objects.get(version=1)
        traded = Order.objects.filter(proposal=v1).exists()
        assert not (traded and v1.status == "superseded")
        if "refused" in outcome:
            assert traded and "in a trade batch" in outcome["refused"]
            assert not Proposal.objects.filter(version=2).exists()
        if "v2" in outcome:
            v2 = Proposal.objects.get(pk=outcome["v2"])
            if traded:  # built after v1's fills: on the positions after them
                assert v1.status == "executed" and v2.drift_before < 1
            else:
                assert v1.status == "superseded"
