"""The proposal email, viewed in Chromium through the demo outbox viewer, at desktop and phone
width."""

from datetime import UTC, datetime, timezone

import pytest

from firms.services.tenancy import firm_scope
from notifications.choices import Kind
from notifications.services.messages import NotificationRequest, notification_enqueue
from tests.browser.test_staff_browse import _sign_in
from tests.notifications.conftest import scanned_proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def message(firm_a, members_a, monkeypatch, settings):
    from notifications import tasks

    monkeypatch.setattr(
        tasks.outbound_message_send_task, "delay", lambda **kw: None
    )  # no broker in this test
    settings.SITE_URL = "https://demo.rebalance.example"
    proposal = scanned_proposal(firm_a, advisor=members_a["advisor"])
    with firm_scope(firm_a):
        return notification_enqueue(
            firm=firm_a,
            request=NotificationRequest(
                kind=Kind.PROPOSAL,
                recipient=proposal.account.client.email,
                proposal=proposal,
                portal_path="/portal/",
                deadline=datetime(2026, 11, 27, 21, 0, tzinfo=UTC),
            ),
        )


def _open_message(page, live_server, members_a, message):
    _sign_in(page, live_server, members_a["advisor"].user.email)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/notifications/outbox/")
    page.get_by_role("link", name=message.subject).click()
    page.wait_for_url(f"**/notifications/outbox/{message.pk}/")
    return page.frame_locator("iframe.note-email")


def _assert_tables_show(email):
    trades = email.get_by_role("table").filter(has_text="Est. value")
    assert trades.is_visible()
    assert email.get_by_role("cell", name="VTI — VTI Fund").is_visible()
    assert email.get_by_role("table").filter(has_text="Asset class").is_visible()
    assert email.get_by_role("table").filter(has_text="Trading costs").is_visible()
    link = email.get_by_role("link", name="Review your proposal")
    assert link.get_attribute("href") == "https://demo.rebalance.example/portal/"


def test_the_proposal_email_reads_well_on_a_desktop(
    page_at, live_server, members_a, message, screenshot
):
    page = page_at(width=1280, height=900)
    email = _open_message(page, live_server, members_a, message)
    _assert_tables_show(email)
    screenshot(page, "email-proposal-desktop")


def test_the_proposal_email_fits_a_phone(page_at, live_server, members_a, message, screenshot):
    page = page_at(width=390, height=844)
    email = _open_message(page, live_server, members_a, message)
    _assert_tables_show(email)
    screenshot(page, "email-proposal-phone-viewer")
    # The email alone, as a phone mail client shows it: nothing scrolls sideways.
    page.goto(f"{live_server.url}/notifications/outbox/{message.pk}/html/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the email scrolls sideways on a phone ({width}px)"
    assert page.get_by_role("table").filter(has_text="Est. value").is_visible()
    screenshot(page, "email-proposal-phone")
