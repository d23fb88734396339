"""A client walks from the emailed link through the review to a decision, in Chromium."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from approvals.models import Approval, Signature
from approvals.services import approvals_start
from approvals.services.signed_pdf import signature_pdf_store
from firms.services.tenancy import firm_scope
from tests.approvals.helpers import checked, route_emails_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def links(firm_a, monkeypatch):
    sent = []
    monkeypatch.setattr("approvals.services.notify._deliver", lambda **kw: sent.append(kw))
    route_emails_to(monkeypatch, lambda **kw: sent.append(kw))
    checked(firm_a, n=2, value="50000.00")
    with firm_scope(firm_a):
        approvals_start(firm_id=firm_a.pk, now=timezone.now())
    return [m["link"] for m in sent]


def _open(page, live_server, link):
    page.goto(live_server.url + "/" + link.split("://", 1)[1].split("/", 1)[1])
    page.wait_for_url("**/portal/proposals/*/")


def test_a_client_approves_from_the_email_link(page_at, live_server, links, firm_a, screenshot):
    page = page_at()
    _open(page, live_server, links[0])
    expect(page.get_by_role("heading", name="Trades")).to_be_visible()
    expect(page.get_by_text("Your decision is needed by")).to_be_visible()
    screenshot(page, "portal-proposal-desktop")
    page.get_by_label("I have read the disclosures above").check()
    name = page.get_by_text("As on your account:").inner_text().split(": ", 1)[1]
    page.get_by_label("Type your full name to sign").fill(name)
    page.get_by_role("button", name="Approve and sign").click()
    expect(page.get_by_text("you approved the proposal")).to_be_visible()
    expect(page.get_by_text("Your signed copy (PDF) is being prepared")).to_be_visible()
    with firm_scope(firm_a):
        assert (
            Signature.objects.count() == 1 and Signature.objects.get().auth_method == "email_link"
        )
        assert (
            signature_pdf_store(Signature.objects.get().pk) is True
        )  # the worker's job after commit
    page.reload()
    expect(page.get_by_role("link", name="Download your signed copy (PDF)")).to_be_visible()
    screenshot(page, "portal-approved-desktop")


def test_a_client_declines_on_a_phone(page_at, live_server, links, firm_a, screenshot):
    page = page_at(width=390, height=844)
    _open(page, live_server, links[1])
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the portal scrolls sideways on a phone ({width}px)"
    screenshot(page, "portal-proposal-phone")
    page.get_by_label("Why are you declining? (optional)").fill(
        "I want to talk to my advisor first"
    )
    page.get_by_role("button", name="Decline the proposal").click()
    expect(page.get_by_text("You declined the proposal")).to_be_visible()
    screenshot(page, "portal-declined-phone")
    with firm_scope(firm_a):
        assert Approval.objects.filter(status="declined").count() == 1


def test_a_client_signs_with_an_emailed_code_where_the_firm_asks(
    page_at, live_server, links, firm_a, screenshot
):
    import re

    from django.core import mail

    from approvals.models import ApprovalSettings
    from notifications.choices import SIGNING_CODE
    from notifications.models import OutboundMessage
    from notifications.services.outbox import outbound_message_send

    with firm_scope(firm_a):
        ApprovalSettings.objects.update_or_create(
            firm_id=firm_a.pk, defaults={"signing_code_required": True}
        )
    page = page_at()
    _open(page, live_server, links[0])
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_text("We emailed you a six-digit code")).to_be_visible()
    with firm_scope(firm_a):
        message = OutboundMessage.objects.get(kind=SIGNING_CODE)
        assert (
            outbound_message_send(message_id=message.pk) == "sent"
        )  # the worker's job after commit
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.get_by_label("I have read the disclosures above").check()
    name = page.get_by_text("As on your account:").inner_text().split(": ", 1)[1]
    page.get_by_label("Type your full name to sign").fill(name)
    page.get_by_label("Code from your email").fill(code)
    screenshot(page, "portal-signing-code-desktop")
    page.get_by_role("button", name="Approve and sign").click()
    expect(page.get_by_text("you approved the proposal")).to_be_visible()
    with firm_scope(firm_a):
        assert Signature.objects.get().auth_method == "email_link_code"
