"""Transitions: staff steps with role gates, committee quorum + document, the client's
all-or-nothing decision, refusals with reasons, and 20 parallel approvals → one."""

import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from approvals.models import Approval, Signature
from approvals.services import (
    ApprovalRefused,
    approval_client_approve,
    approval_client_decline,
    approvals_start,
    step_approve,
    step_decline,
)
from approvals.services.decisions import Evidence
from approvals.services.signed_pdf import signature_pdf_store
from drift.models import Proposal
from drift.services.transitions import proposals_supersede_open
from firms.models import AuditEntry
from firms.services.tenancy import firm_scope

from .helpers import NOW, checked

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scoped")]


def _route(firm, **kw):
    book, ids = checked(firm, **kw)
    with firm_scope(firm):
        approvals_start(firm_id=firm.pk, now=NOW)
        return book, Approval.objects.select_related("proposal__account__client").get()


def _evidence(approval, **kw):
    return Evidence(
        **{
            "typed_name": approval.proposal.account.client.name,
            "ip_address": "203.0.113.9",
            "user_agent": "pytest",
            "auth_method": "email_link",
            "shown_hash": approval.content_hash,
            **kw,
        }
    )


def _client_user(approval):
    return approval.proposal.account.client.user


def test_an_advisor_cannot_do_senior_review(firm_a, members_a, sent):
    _, approval = _route(firm_a, value="750000.00")
    step = approval.steps.get(position=0)
    with firm_scope(firm_a):
        with pytest.raises(ApprovalRefused, match="Senior advisor"):
            step_approve(
                approval_id=approval.pk, step_id=step.pk, membership=members_a["advisor"], now=NOW
            )
        result = step_approve(
            approval_id=approval.pk,
            step_id=step.pk,
            membership=members_a["senior_advisor"],
            now=NOW,
            comment="fine",
        )
        assert result.changed and approval.steps.get(position=1).status == "active"
        again = step_approve(
            approval_id=approval.pk,
            step_id=step.pk,
            membership=members_a["senior_advisor"],
            now=NOW,
        )
        assert not again.changed
    assert [m["kind"] for m in sent] == ["proposal"]  # the client hears once their step opens


def test_the_client_cannot_decide_before_the_advisor(firm_a, members_a, sent):
    _, approval = _route(firm_a, value="250000.00")
    with firm_scope(firm_a):
        with pytest.raises(ApprovalRefused, match="review of this proposal is not finished"):
            approval_client_approve(
                approval_id=approval.pk,
                user=_client_user(approval),
                evidence=_evidence(approval),
                now=NOW,
            )


def test_an_advisor_decline_declines_the_whole_proposal(firm_a, members_a, sent):
    _, approval = _route(
        firm_a, value="250000.00", advisor=members_a["advisor"]
    )  # their own account
    with firm_scope(firm_a):
        step_decline(
            approval_id=approval.pk,
            step_id=approval.steps.get(position=0).pk,
            membership=members_a["advisor"],
            now=NOW,
            comment="too much turnover",
        )
        assert Proposal.objects.get().status == "declined"
        assert set(approval.steps.values_list("status", flat=True)) == {"declined", "closed"}


def test_committee_needs_quorum_and_a_document(firm_a, members_a, sent):
    from firms.choices import Role
    from firms.services.members import member_create

    _, approval = _route(firm_a, registration="institutional")
    with firm_scope(firm_a):
        second = member_create(firm=firm_a, email="c2@alpha.test", role=Role.COMMITTEE_MEMBER)
        step = approval.steps.get()
        r1 = step_approve(
            approval_id=approval.pk,
            step_id=step.pk,
            membership=members_a["committee_member"],
            now=NOW,
        )
        assert "1 of 2" in r1.message
        r2 = step_approve(approval_id=approval.pk, step_id=step.pk, membership=second, now=NOW)
        assert "upload" in r2.message and Proposal.objects.get().status == "awaiting_approval"
        from approvals.services import committee_document_attach

        doc = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")
        committee_document_attach(
            approval_id=approval.pk, step_id=step.pk, membership=second, now=NOW, document=doc
        )
        assert Proposal.objects.get().status == "approved"


def test_the_client_signs_and_the_proposal_is_approved_whole(firm_a, sent):
    _, approval = _route(firm_a, value="50000.00")
    with firm_scope(firm_a):
        result = approval_client_approve(
            approval_id=approval.pk,
            user=_client_user(approval),
            evidence=_evidence(approval),
            now=NOW + timedelta(hours=1),
        )
        assert result.changed and Proposal.objects.get().status == "approved"
        sig = Signature.objects.get()
        assert (sig.ip_address, sig.auth_method, sig.content_hash) == (
            "203.0.113.9",
            "email_link",
            approval.content_hash,
        )
        assert sig.consent_sha256 and not sig.pdf  # the PDF is a worker's job, after commit
        assert (
            signature_pdf_store(sig.pk) is True and signature_pdf_store(sig.pk) is None
        )  # rendered once
        sig.refresh_from_db()
        assert sig.pdf.read().startswith(b"%PDF") and len(sig.pdf_sha256) == 64
        again = approval_client_approve(
            approval_id=approval.pk,
            user=_client_user(approval),
            evidence=_evidence(approval),
            now=NOW,
        )
        assert not again.changed and "already approved" in again.message
        with pytest.raises(ApprovalRefused, match="already approved"):
            approval_client_decline(
                approval_id=approval.pk, user=_client_user(approval), reason="", now=NOW
            )
    assert sent[-1]["kind"] == "decision_approved"


def test_approving_after_the_deadline_is_refused_with_the_reason(firm_a, sent):
    _, approval = _route(firm_a, value="50000.00")
    with firm_scope(firm_a):
        with pytest.raises(ApprovalRefused, match="window closed"):
            approval_client_approve(
                approval_id=approval.pk,
                user=_client_user(approval),
                evidence=_evidence(approval),
                now=approval.deadline,
            )
        assert (
            Proposal.objects.get().status == "awaiting_approval" and not Signature.objects.exists()
        )


def test_approving_after_a_new_version_is_refused_with_the_reason(firm_a, sent):
    _, approval = _route(firm_a, value="50000.00")
    with firm_scope(firm_a):
        proposals_supersede_open(account_ids=[approval.proposal.account_id], reason="v2")
        with pytest.raises(ApprovalRefused, match="newer version"):
            approval_client_approve(
                approval_id=approval.pk,
                user=_client_user(approval),
                evidence=_evidence(approval),
                now=NOW,
            )
        assert not Signature.objects.exists()


def test_a_changed_hash_on_the_page_is_refused(firm_a, sent):
    _, approval = _route(firm_a, value="50000.00")
    with firm_scope(firm_a):
        with pytest.raises(ApprovalRefused, match="changed after you opened it"):
            approval_client_approve(
                approval_id=approval.pk,
                user=_client_user(approval),
                evidence=_evidence(approval, shown_hash="0" * 64),
                now=NOW,
            )


def test_another_client_cannot_decide(firm_a, sent):
    book, ids = checked(firm_a, n=2, value="50000.00")
    with firm_scope(firm_a):
        approvals_start(firm_id=firm_a.pk, now=NOW)
        first, second = Approval.objects.select_related("proposal__account__client").order_by("pk")
        with pytest.raises(ApprovalRefused, match="not for your accounts"):
            approval_client_decline(
                approval_id=first.pk, user=_client_user(second), reason="", now=NOW
            )


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_approvals_make_exactly_one(firm_a, sent):
    _, approval = _route(firm_a, value="50000.00")
    user, evidence = _client_user(approval), _evidence(approval)
    results, errors = [], []
    barrier = threading.Barrier(20)

    def approve():
        try:
            barrier.wait()
            with firm_scope(firm_a):
                results.append(
                    approval_client_approve(
                        approval_id=approval.pk, user=user, evidence=evidence, now=NOW
                    )
                )
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.changed for r in results) == 1 and len(results) == 20
    with firm_scope(firm_a):
        assert Signature.objects.count() == 1 and Proposal.objects.get().status == "approved"
        assert AuditEntry.objects.filter(event="approval.approved").count() == 1
