"""Who is told: a client's decline, an expiry and an auto-decline reach
the account's advisor by email and on the approvals dashboard, through the outbox, in a
template the firm can edit; a newer version voids pending and approved approvals and tells the
client and every approver who acted. Real outbox rows, no stubbed delivery."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from approvals.models import Approval
from approvals.services import (
    approval_client_approve,
    approval_client_decline,
    approval_expire,
    approvals_start,
    step_approve,
)
from approvals.services.decisions import Evidence
from approvals.services.sweep import approvals_sweep
from approvals.tasks import approvals_void_task
from drift.models import Proposal
from drift.services.advisor import proposal_create_cash
from drift.services.transitions import proposals_supersede_open, proposals_transition
from firms.choices import Role
from firms.models import AuditEntry
from firms.services.members import member_create
from firms.services.tenancy import firm_scope
from notifications.models import OutboundMessage
from notifications.services.templates import notification_template_save
from tests.handoff import tasks_run_inline

from .helpers import NOW, checked

pytestmark = pytest.mark.django_db


def _route(firm, advisor, value="50000.00"):
    checked(firm, advisor=advisor, value=value)
    with firm_scope(firm):
        approvals_start(firm_id=firm.pk, now=NOW)
        return Approval.objects.select_related("proposal__account__client").get()


def _told(kind, to=None):
    qs = OutboundMessage.objects.filter(kind=kind)
    return list(qs.filter(recipient=to) if to else qs)


def test_a_client_decline_tells_the_advisor_by_email_and_on_their_dashboard_only(
    firm_a, firm_b, members_a, members_b, login
):
    advisor = members_a[Role.ADVISOR]
    approval = _route(firm_a, advisor)
    with firm_scope(firm_a):
        approval_client_decline(
            approval_id=approval.pk,
            user=approval.proposal.account.client.user,
            reason="not now",
            now=NOW,
        )
        [message] = _told("advisor_decision")
        assert (
            message.recipient == advisor.user.email and message.proposal_id == approval.proposal_id
        )
        assert (
            "declined by the client" in message.subject
            and approval.proposal.account.client.name in message.subject
        )
        assert "Nothing will be traded" in message.body_text
        assert "The client's reason: not now" in message.body_text
        other = member_create(
            firm=firm_a, email="other-advisor@alpha.test", role=Role.ADVISOR, name="Other"
        )
    page = login(advisor).get(reverse("approvals:queue")).content.decode()
    assert "Declined or expired" in page and message.subject in page
    assert message.subject not in login(other).get(reverse("approvals:queue")).content.decode()
    assert (
        message.subject
        not in login(members_b[Role.SENIOR_ADVISOR])
        .get(reverse("approvals:queue"))
        .content.decode()
    )
    assert (
        message.subject
        in login(members_a[Role.SENIOR_ADVISOR]).get(reverse("approvals:queue")).content.decode()
    )


def test_an_expiry_and_an_auto_decline_tell_the_advisor(firm_a, members_a):
    advisor = members_a[Role.ADVISOR]
    approval = _route(firm_a, advisor)
    with firm_scope(firm_a):
        approval_expire(approval_id=approval.pk, now=approval.deadline)
        [message] = _told("advisor_decision", advisor.user.email)
        assert "expired without the client's decision" in message.subject
        assert "The client's reason: None given" in message.body_text
        approval_expire(approval_id=approval.pk, now=approval.deadline)  # repeated: nothing new
        assert len(_told("advisor_decision")) == 1


def test_the_sweeps_auto_decline_tells_the_advisor(firm_a, members_a):
    advisor = members_a[Role.ADVISOR]
    approval = _route(firm_a, advisor)
    with firm_scope(firm_a):
        report = approvals_sweep(
            firm_id=firm_a.pk, now=approval.deadline + timedelta(minutes=1)
        )  # default policy: decline
        assert report.expired == [approval.pk]
        assert len(_told("advisor_decision", advisor.user.email)) == 1


def test_the_firm_edits_the_advisors_notice(firm_a, members_a):
    advisor = members_a[Role.ADVISOR]
    approval = _route(firm_a, advisor)
    with firm_scope(firm_a):
        notification_template_save(
            firm=firm_a,
            actor=members_a[Role.FIRM_ADMIN],
            kind="advisor_decision",
            subject="Call {{Client.Name}} today",
            body_html="<p>{{Decision.Outcome}}</p>",
            body_text="{{Decision.Outcome}}",
        )
        approval_client_decline(
            approval_id=approval.pk, user=approval.proposal.account.client.user, reason="", now=NOW
        )
        [message] = _told("advisor_decision")
        assert message.subject == f"Call {approval.proposal.account.client.name} today"
        assert "declined by the client" in message.body_text


def _evidence(approval):
    return Evidence(
        typed_name=approval.proposal.account.client.name,
        ip_address="203.0.113.9",
        user_agent="pytest",
        auth_method="email_link",
        shown_hash=approval.content_hash,
    )


def test_a_cash_raise_voids_an_approved_approval_and_tells_the_client_and_the_advisor_who_approved(
    firm_a, members_a, django_capture_on_commit_callbacks
):
    advisor = members_a[Role.ADVISOR]
    approval = _route(firm_a, advisor, value="250000.00")  # advisor pre-approval, then the client
    client = approval.proposal.account.client
    with firm_scope(firm_a):
        step_approve(
            approval_id=approval.pk,
            step_id=approval.steps.get(position=0).pk,
            membership=advisor,
            now=NOW,
        )
        approval_client_approve(
            approval_id=approval.pk, user=client.user, evidence=_evidence(approval), now=NOW
        )
        assert Proposal.objects.get().status == "approved"
        # Voiding is approvals' task, enqueued once the new version commits.
        with (
            tasks_run_inline(approvals_void_task),
            django_capture_on_commit_callbacks(execute=True),
        ):
            v2 = proposal_create_cash(
                account=approval.proposal.account, kind="cash_raise", amount=Decimal("5000")
            )
        approval.refresh_from_db()
        assert (
            approval.status == "void"
            and Proposal.objects.get(pk=approval.proposal_id).status == "superseded"
        )
        assert v2.version == approval.version + 1
        void = AuditEntry.objects.get(event="approval.void")
        assert void.payload["ids"] == [approval.pk] and void.payload["was"] == {
            str(approval.pk): "approved"
        }
        told = {m.recipient: m for m in _told("proposal_replaced")}
        assert set(told) == {client.email.lower(), advisor.user.email.lower()}
        assert "that you approved has been replaced by a" in told[client.email.lower()].body_text
        assert "None of the earlier" in told[advisor.user.email.lower()].body_text


def test_a_newer_version_voids_a_pending_approval_and_tells_the_client_who_was_asked(
    firm_a, members_a, django_capture_on_commit_callbacks
):
    approval = _route(firm_a, members_a[Role.ADVISOR])  # client step only, waiting
    with firm_scope(firm_a):
        # Voiding is approvals' task, enqueued once the new version commits.
        with (
            tasks_run_inline(approvals_void_task),
            django_capture_on_commit_callbacks(execute=True),
        ):
            proposals_supersede_open(account_ids=[approval.proposal.account_id], reason="rescan")
        approval.refresh_from_db()
        assert approval.status == "void"
        [message] = _told("proposal_replaced")
        assert message.recipient == approval.proposal.account.client.email.lower()
        assert "that you were asked to review has been replaced" in message.body_text


def test_a_re_check_that_withdraws_an_approved_proposal_tells_the_client(
    firm_a, firm_b, members_a, django_capture_on_commit_callbacks
):
    """New facts (an imported loss sale) make compliance flag an approved proposal: its approval
    is void and the client who approved hears that it is on hold, not silence."""
    approval = _route(firm_a, members_a[Role.ADVISOR])  # client step only
    client = approval.proposal.account.client
    with firm_scope(firm_a):
        approval_client_approve(
            approval_id=approval.pk, user=client.user, evidence=_evidence(approval), now=NOW
        )
        with (
            tasks_run_inline(approvals_void_task),
            django_capture_on_commit_callbacks(execute=True),
        ):
            proposals_transition(
                ids=[approval.proposal_id], to="flagged", actor=None, reason="compliance re-check"
            )
        approval.refresh_from_db()
        assert approval.status == "void"
        [message] = _told("proposal_withdrawn")
        assert message.recipient == client.email.lower()
        assert "that you approved has been withdrawn" in message.body_text
        assert not _told("proposal_replaced")
    with firm_scope(firm_b):
        assert not OutboundMessage.objects.exists()
