"""The minute sweep: reminder at half-time (not before, once), the deadline policy both ways,
new versions voiding earlier approvals. The clock is injected."""

from datetime import timedelta

import pytest

from approvals.models import Approval, ApprovalSettings
from approvals.services.sweep import approvals_sweep
from drift.models import Proposal
from drift.services.transitions import proposals_supersede_open
from firms.services.tenancy import firm_scope

from .helpers import NOW, checked

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(firm_a, members_a, sent):
    """One proposal under $100,000 (client only, 72 h), routed at NOW by the sweep."""
    _, ids = checked(firm_a, value="50000.00", advisor=members_a["advisor"])
    with firm_scope(firm_a):
        assert approvals_sweep(firm_id=firm_a.pk, now=NOW).routed == ids
        return Approval.objects.get()


def _sweep(firm, at):
    with firm_scope(firm):
        return approvals_sweep(firm_id=firm.pk, now=at)


def test_the_reminder_goes_at_half_the_window_not_before_and_once(firm_a, small, sent):
    assert _sweep(firm_a, NOW + timedelta(hours=35, minutes=59)).reminded == []
    assert _sweep(firm_a, NOW + timedelta(hours=36)).reminded == [small.pk]
    assert _sweep(firm_a, NOW + timedelta(hours=37)).reminded == []
    assert [m["kind"] for m in sent] == ["proposal", "reminder"]
    assert sent[0]["link"] != sent[1]["link"]  # a fresh link: tokens are never stored to resend


def test_the_reminder_rule_matches_notifications_timing(small):
    from notifications.services.messages import reminder_due

    assert not reminder_due(
        small.started_at, small.deadline, small.reminder_at - timedelta(seconds=1)
    )
    assert reminder_due(small.started_at, small.deadline, small.reminder_at)


def test_at_the_deadline_auto_decline_expires_the_proposal(firm_a, small, sent):
    assert _sweep(firm_a, NOW + timedelta(hours=71, minutes=59)).expired == []
    assert _sweep(firm_a, NOW + timedelta(hours=72)).expired == [small.pk]
    assert _sweep(firm_a, NOW + timedelta(hours=73)).expired == []  # twice: nothing more
    with firm_scope(firm_a):
        small.refresh_from_db()
        assert (small.status, Proposal.objects.get().status) == ("expired", "expired")
    assert [m["kind"] for m in sent[-2:]] == [
        "decision_expired",
        "advisor_decision",
    ]  # the client, then the advisor


def test_at_the_deadline_escalation_goes_to_the_advisor_and_nothing_is_traded(
    firm_a, members_a, small, sent
):
    with firm_scope(firm_a):
        ApprovalSettings.objects.update(expiry_policy="escalate")
    assert _sweep(firm_a, NOW + timedelta(hours=72)).escalated == [small.pk]
    assert _sweep(firm_a, NOW + timedelta(hours=80)).escalated == []
    with firm_scope(firm_a):
        small.refresh_from_db()
        assert small.status == "pending" and small.escalated_at is not None
        assert Proposal.objects.get().status == "awaiting_approval"
    assert sent[-1] == {
        "kind": "escalation",
        "approval": small.pk,
        "to": members_a["advisor"].user.email,
        "link": "",
    }


def test_a_new_version_voids_the_earlier_approval(firm_a, small):
    with firm_scope(firm_a):
        proposals_supersede_open(account_ids=[small.proposal.account_id], reason="new version")
    assert _sweep(firm_a, NOW + timedelta(minutes=1)).voided == [small.pk]
    with firm_scope(firm_a):
        small.refresh_from_db()
        assert small.status == "void"
