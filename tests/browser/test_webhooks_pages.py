"""A firm administrator sets up a webhook in Chromium: the secret once, a delivery to a real
receiver on 127.0.0.1 in the log, pause, rotate, replay with the same webhook-id."""

import re

import pytest
from playwright.sync_api import expect

from firms.services.tenancy import firm_scope
from tests.browser.test_staff_browse import _sign_in
from tests.webhooks.conftest import receiver  # noqa: F401 (fixture)
from webhooks.choices import EventType
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.delivery import webhook_delivery_send
from webhooks.services.emit import webhook_emit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_firm_admin_sets_up_a_webhook_and_replays_a_delivery(
    page_at,
    live_server,
    firm_a,
    members_a,
    receiver,  # noqa: F811
    screenshot,
):
    page = page_at()
    _sign_in(page, live_server, members_a["firm_admin"].user.email)
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Webhooks", exact=True).click()
    page.get_by_role("link", name="Add an endpoint").click()
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Description").fill("Redtail CRM")
    page.get_by_label("Reconciliation break found").check()
    page.get_by_label("Proposal created").check()
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Endpoint created")).to_be_visible()
    secret = page.locator("pre.secret").inner_text().strip()
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/=]{32}", secret)
    screenshot(page, "webhooks-secret-once")
    page.get_by_role("link", name="Done").click()
    assert secret not in page.content()

    with firm_scope(firm_a):
        endpoint = WebhookEndpoint.objects.get()
        assert endpoint.secret == secret
        webhook_emit(
            firm_id=firm_a.pk,
            event_type=EventType.RECONCILIATION_BREAK,
            key="b1",
            data={"account_number": "A-1", "difference": "3.00"},
        )
        delivery = WebhookDelivery.objects.get()
        assert webhook_delivery_send(delivery_id=delivery.pk) == "delivered"
    assert receiver.got[0].verifies(secret)

    page.reload()
    page.get_by_role("link", name=re.compile(r"\d\d:\d\d:\d\d")).first.click()
    expect(page.get_by_text(receiver.got[0].msg_id)).to_be_visible()
    page.get_by_role("button", name="Replay (same webhook-id)").click()
    expect(page.get_by_text("Queued again, with the same webhook-id.")).to_be_visible()
    with firm_scope(firm_a):
        assert webhook_delivery_send(delivery_id=delivery.pk) == "delivered"
    assert [r.msg_id for r in receiver.got] == [receiver.got[0].msg_id] * 2
    page.reload()
    screenshot(page, "webhooks-delivery")

    page.get_by_role("link", name="Redtail CRM").click()
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    page.get_by_role("button", name="Rotate the secret").click()
    expect(page.get_by_role("heading", name="Secret rotated")).to_be_visible()
    assert page.locator("pre.secret").inner_text().strip() not in ("", secret)
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_text("still signs until")).to_be_visible()
    screenshot(page, "webhooks-endpoint")
