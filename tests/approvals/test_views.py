"""Staff pages: the queue (overdue filter), role-gated decisions, document checks, settings form."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals.models import Approval
from approvals.services import approvals_start
from firms.services.tenancy import firm_scope

from .helpers import checked

pytestmark = pytest.mark.django_db


def _route(firm, members, n, value="250000.00", registration=None):
    checked(firm, n=n, value=value, advisor=members["advisor"], registration=registration)
    with firm_scope(firm):
        approvals_start(firm_id=firm.pk, now=timezone.now())
        return list(Approval.objects.order_by("pk"))


def test_the_queue_shows_my_steps_with_constant_queries_and_filters_overdue(
    firm_a, members_a, login, sent
):
    approvals = _route(firm_a, members_a, 2)
    client = login(members_a["advisor"])
    page = client.get("/approvals/").content.decode()
    assert page.count("Advisor pre-approval") == 2
    with firm_scope(firm_a):
        Approval.objects.filter(pk=approvals[0].pk).update(
            deadline=timezone.now() - timedelta(minutes=1)
        )
    overdue = client.get("/approvals/?overdue=1").content.decode()
    assert overdue.count("Advisor pre-approval") == 1 and "overdue" in overdue
    senior_page = login(members_a["senior_advisor"]).get("/approvals/").content.decode()
    assert "Advisor pre-approval" in senior_page  # a senior advisor may pre-approve too


def test_an_advisor_posting_on_a_senior_step_is_refused_with_a_reason(
    firm_a, members_a, login, sent
):
    approval = _route(firm_a, members_a, 1, value="900000.00")[0]
    with firm_scope(firm_a):
        step_id = approval.steps.get(position=0).pk
    client = login(members_a["advisor"])
    page = client.post(
        f"/approvals/steps/{step_id}/decide/", {"decision": "approve"}, follow=True
    ).content.decode()
    assert "needs one of: Firm administrator, Senior advisor" in page
    page = login(members_a["senior_advisor"]).post(
        f"/approvals/steps/{step_id}/decide/", {"decision": "approve"}, follow=True
    )
    assert "Senior advisor review recorded" in page.content.decode()


def test_a_committee_document_must_be_a_pdf_or_image(firm_a, members_a, login, sent):
    approval = _route(firm_a, members_a, 1, registration="institutional")[0]
    with firm_scope(firm_a):
        step_id = approval.steps.get().pk
    client = login(members_a["committee_member"])
    bad = SimpleUploadedFile("minutes.exe", b"MZ\x90\x00", content_type="application/pdf")
    page = client.post(
        f"/approvals/steps/{step_id}/decide/", {"decision": "approve", "document": bad}, follow=True
    )
    assert "must be a PDF, PNG or JPEG" in page.content.decode()


def test_settings_reject_a_reconsent_tolerance_below_the_reprice_one(firm_a, members_a, login):
    client = login(members_a["firm_admin"])
    response = client.post(
        "/approvals/settings/",
        {
            "expiry_policy": "decline",
            "committee_quorum": "2",
            "exception_max_value": "250000",
            "exception_max_turnover_pct": "10",
            "reprice_tolerance_pct": "5",
            "reconsent_tolerance_pct": "2",
        },
    )
    assert (
        response.status_code == 200
        and "at or above the re-pricing tolerance" in response.content.decode()
    )
    assert login(members_a["advisor"]).get("/approvals/settings/").status_code == 403


def test_overlapping_tiers_are_refused(firm_a, members_a, login):
    client = login(members_a["firm_admin"])
    client.get("/approvals/rules/")
    with firm_scope(firm_a):
        from approvals.models import RoutingRule

        rule = RoutingRule.objects.get(name="Under $100,000")
    response = client.post(
        f"/approvals/rules/{rule.pk}/",
        {
            "name": rule.name,
            "kind": "value",
            "max_value": "150000",
            "steps": ["client"],
            "window_amount": "72",
            "window_unit": "hours",
        },
    )
    assert "overlap the tier" in response.content.decode()


def test_a_decline_needs_a_written_reason_and_a_confirmation(firm_a, members_a, login, sent):
    from approvals.services import step_decline
    from approvals.services.common import ApprovalRefused

    approval = _route(firm_a, members_a, 1)[0]
    with firm_scope(firm_a):
        step_id = approval.steps.get(position=0).pk
    client = login(members_a["advisor"])
    url = f"/approvals/steps/{step_id}/decide/"
    page = client.post(url, {"decision": "decline", "comment": "  "}, follow=True)
    assert "A decline needs a written reason" in page.content.decode()
    # With a reason: a confirmation page first, nothing decided yet.
    ask = client.post(url, {"decision": "decline", "comment": "Too much turnover"})
    assert ask.status_code == 200
    body = ask.content.decode()
    assert "Confirm: decline the proposal" in body and "Too much turnover" in body
    with firm_scope(firm_a):
        assert Approval.objects.get(pk=approval.pk).status == "pending"
        # The service refuses a decline without a reason too, whoever calls it.
        with pytest.raises(ApprovalRefused, match="A decline needs a written reason"):
            step_decline(
                approval_id=approval.pk,
                step_id=step_id,
                membership=members_a["advisor"],
                now=timezone.now(),
                comment="",
            )
    client.post(url, {"decision": "decline", "comment": "Too much turnover", "confirmed": "yes"})
    with firm_scope(firm_a):
        approval = Approval.objects.get(pk=approval.pk)
        assert approval.status == "declined"
        assert approval.steps.get(pk=step_id).comment == "Too much turnover"
