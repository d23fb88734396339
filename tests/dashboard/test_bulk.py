"""Bulk actions (core.bulk): a confirmation step that changes nothing, then each row through
the one-row service (state and audit as if done alone); rows of another firm are not found,
rows the member may not act on are refused with the service's reason."""

import pytest
from django.urls import reverse

from approvals.choices import StepStatus
from approvals.models import ApprovalStep, PortalLink
from compliance.models import ComplianceReview
from drift.models import Proposal
from firms.models import AuditEntry
from firms.services.members import member_create
from firms.services.tenancy import firm_scope
from notifications.models import OutboundMessage
from tests.approvals.helpers import checked
from tests.conftest import PASSWORD
from tests.trading.helpers import approved_book
from trading.models import ProposalHold

from .worlds import routed

pytestmark = pytest.mark.django_db
BULK = reverse("approvals:bulk")


def _advisor_steps(firm, approvals):
    with firm_scope(firm):
        return {
            s.approval_id: s.status
            for s in ApprovalStep.objects.filter(approval__in=approvals, role="advisor")
        }


def _events(firm, event) -> int:
    with firm_scope(firm):
        return AuditEntry.objects.filter(event=event).count()


def test_approving_advisor_steps_in_bulk_confirms_first_then_goes_through_the_service(
    login, firm_a, members_a
):
    _book, approvals = routed(firm_a, members_a["advisor"], 3)
    client = login(members_a["advisor"])
    ids = [a.pk for a in approvals[:2]]
    confirm = client.post(BULK, {"action": "approve_advisor", "ids": ids})
    body = confirm.content.decode()
    assert confirm.status_code == 200 and "Confirm: Approve the advisor pre-approval" in body
    assert body.count('name="ids"') == 2
    assert set(_advisor_steps(firm_a, approvals).values()) == {StepStatus.ACTIVE}  # nothing yet
    done = client.post(
        BULK, {"action": "approve_advisor", "ids": ids, "confirm": "1", "next": "/approvals/all/"}
    )
    assert done.status_code == 302 and done["Location"] == "/approvals/all/"
    steps = _advisor_steps(firm_a, approvals)
    assert [steps[a.pk] for a in approvals] == ["approved", "approved", "active"]
    assert _events(firm_a, "approval.step_approved") == 2
    with firm_scope(firm_a):  # the client's step opened with a link, as after one approval
        assert PortalLink.objects.filter(approval_id__in=ids).count() == 2


def test_bulk_refuses_another_firms_rows_and_rows_the_member_may_not_act_on(
    login, firm_a, firm_b, members_a, members_b
):
    _b, theirs = routed(firm_b, members_b["advisor"], 1)
    with firm_scope(firm_a):
        colleague = member_create(
            firm=firm_a, email="col@alpha.test", role="advisor", password=PASSWORD, name="Col L"
        )
    _a, mine = routed(firm_a, colleague, 1)
    client = login(members_a["advisor"])  # not the adviser of firm A's account
    response = client.post(
        BULK,
        {"action": "approve_advisor", "ids": [mine[0].pk, theirs[0].pk], "confirm": "1"},
        follow=True,
    )
    body = response.content.decode()
    assert "Only the account&#x27;s own advisor" in body and "1 selected row was not found" in body
    assert _advisor_steps(firm_a, mine)[mine[0].pk] == "active"
    assert _advisor_steps(firm_b, theirs)[theirs[0].pk] == "active"
    assert _events(firm_b, "approval.step_approved") == 0


def test_a_role_without_the_action_gets_403(login, firm_a, members_a):
    _book, approvals = routed(firm_a, members_a["advisor"], 1)
    client = login(members_a["compliance_officer"])
    response = client.post(BULK, {"action": "approve_advisor", "ids": [approvals[0].pk]})
    assert response.status_code == 403
    committee = login(members_a["committee_member"])
    response = committee.post(BULK, {"action": "approve_advisor", "ids": [approvals[0].pk]})
    assert response.status_code == 403
    assert _advisor_steps(firm_a, approvals)[approvals[0].pk] == "active"


def test_resending_the_clients_link_writes_a_new_link_an_email_and_an_audit_entry(
    login, firm_a, members_a
):
    _book, approvals = routed(firm_a, members_a["advisor"], 2, value="50000.00")  # client first
    client = login(members_a["advisor"])
    with firm_scope(firm_a):
        links, mails = PortalLink.objects.count(), OutboundMessage.objects.count()
    ids = [a.pk for a in approvals]
    client.post(BULK, {"action": "resend_link", "ids": ids, "confirm": "1"})
    with firm_scope(firm_a):
        assert PortalLink.objects.count() == links + 2
        assert OutboundMessage.objects.count() == mails + 2
    assert _events(firm_a, "approval.link_resent") == 2


def test_resend_is_refused_while_the_advisor_step_waits(login, firm_a, members_a):
    _book, approvals = routed(firm_a, members_a["advisor"], 1)  # advisor step first
    response = login(members_a["advisor"]).post(
        BULK, {"action": "resend_link", "ids": [approvals[0].pk], "confirm": "1"}, follow=True
    )
    assert "there is no link to resend" in response.content.decode()
    assert _events(firm_a, "approval.link_resent") == 0


def _flagged(firm, n):
    _book, ids = checked(firm, n=n)
    with firm_scope(firm):
        Proposal.objects.filter(pk__in=ids).update(status="flagged")
        ComplianceReview.objects.filter(proposal_id__in=ids).update(status="flagged")
        return list(ComplianceReview.objects.filter(proposal_id__in=ids).order_by("pk"))


def test_overriding_several_findings_takes_one_written_reason_and_records_it_on_each(
    login, firm_a, members_a
):
    reviews = _flagged(firm_a, 3)
    with firm_scope(firm_a):
        ComplianceReview.objects.filter(pk=reviews[2].pk).update(status="blocked")
    client = login(members_a["compliance_officer"])
    url = reverse("compliance:bulk")
    ids = [r.pk for r in reviews]
    missing = client.post(url, {"action": "override", "ids": ids, "confirm": "1"})
    assert missing.status_code == 400 and "reason for the override is required" in (
        missing.content.decode()
    )
    with firm_scope(firm_a):
        assert set(ComplianceReview.objects.values_list("status", flat=True)) == {
            "flagged",
            "blocked",
        }
    page = client.post(
        url,
        {"action": "override", "ids": ids, "confirm": "1", "reason": "Client asked in writing"},
        follow=True,
    ).content.decode()
    assert "cannot be overridden" in page  # the blocked one, with the service's reason
    with firm_scope(firm_a):
        done = ComplianceReview.objects.filter(status="overridden")
        assert sorted(done.values_list("pk", flat=True)) == ids[:2]
        assert set(done.values_list("reason", flat=True)) == {"Client asked in writing"}
        assert set(
            Proposal.objects.filter(pk__in=[r.proposal_id for r in reviews[:2]]).values_list(
                "status", flat=True
            )
        ) == {"checked"}
        entries = AuditEntry.objects.filter(event="compliance.override")
        assert entries.count() == 2
        assert {e.payload["reason"] for e in entries} == {"Client asked in writing"}
    assert login(members_a["advisor"]).post(url, {"action": "override"}).status_code == 403


def test_rebuild_with_the_suggested_fix_goes_through_the_service_and_names_a_refusal(
    login, firm_a, members_a
):
    reviews = _flagged(firm_a, 1)
    page = login(members_a["compliance_officer"]).post(
        reverse("compliance:bulk"),
        {"action": "rebuild", "ids": [reviews[0].pk], "confirm": "1"},
        follow=True,
    )
    assert "There is no substitute to apply" in page.content.decode()
    with firm_scope(firm_a):
        assert Proposal.objects.count() == 1  # no new version


def test_hold_and_release_approved_proposals_in_bulk(login, firm_a, members_a):
    book = approved_book(firm_a, 2)
    ids = book["proposals"]
    url = reverse("dashboard:proposal_bulk")
    client = login(members_a["senior_advisor"])
    confirm = client.post(url, {"action": "hold", "ids": ids})
    assert "The reason for the hold (required" in confirm.content.decode()
    client.post(url, {"action": "hold", "ids": ids, "confirm": "1", "reason": "Client travelling"})
    with firm_scope(firm_a):
        assert ProposalHold.objects.filter(released_at__isnull=True).count() == 2
    listed = client.get(reverse("dashboard:proposals"), {"held": "1"}).content.decode()
    assert listed.count(">Held</span>") == 2
    page = client.post(
        url, {"action": "release", "ids": ids[:1], "confirm": "1"}, follow=True
    ).content.decode()
    assert "Release the hold: done for 1 row." in page
    again = client.post(url, {"action": "release", "ids": ids[:1], "confirm": "1"}, follow=True)
    assert "It is not held; nothing to release." in again.content.decode()
    assert _events(firm_a, "trading.proposal_held") == 2
    assert _events(firm_a, "trading.proposal_released") == 1
    assert login(members_a["advisor"]).post(url, {"action": "hold", "ids": ids}).status_code == 403
