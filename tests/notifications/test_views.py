"""Editor, preview, test send, outbox pages and API: permissions, isolation, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from firms.services.tenancy import firm_scope
from notifications.choices import Kind
from notifications.choices import MessageStatus as S
from notifications.models import NotificationSettings, NotificationTemplate, OutboundMessage
from tests.notifications.helpers import outbound_message_for

pytestmark = pytest.mark.django_db
EDIT = "/notifications/templates/proposal/"
PREVIEW = "/notifications/templates/proposal/preview/"
DRAFT = {
    "subject": "Hi {{Client.FirstName}}",
    "body_html": "<p>Dear {{Client.Name}}</p>{{Rebalance.TradeList}}",
    "body_text": "Dear {{Client.Name}}\n{{Rebalance.TradeList}}",
    "scenario": "hnw",
}


def test_firm_admins_edit_templates_advisors_only_when_the_firm_allows(firm_a, members_a, login):
    assert login(members_a["firm_admin"]).get(EDIT).status_code == 200
    assert login(members_a["advisor"]).get(EDIT).status_code == 403
    assert login(members_a["ops"]).get(EDIT).status_code == 403
    with firm_scope(firm_a):
        NotificationSettings.objects.create(firm=firm_a, advisors_may_edit_templates=True)
    assert login(members_a["advisor"]).get(EDIT).status_code == 200
    assert login(members_a["compliance_officer"]).get(EDIT).status_code == 403


def test_saving_an_unknown_field_shows_its_name_and_position(firm_a, members_a, login):
    client = login(members_a["firm_admin"])
    response = client.post(EDIT, {**DRAFT, "body_text": "Hello\n{{Client.Nam}}", "action": "save"})
    assert response.status_code == 200
    assert (
        "Unknown field {{Client.Nam}} — did you mean {{Client.Name}}? (line 2, column 1)"
        in response.content.decode()
    )
    with firm_scope(firm_a):
        assert not NotificationTemplate.objects.exists()


def test_saving_a_valid_template_makes_it_the_firms_own(firm_a, members_a, login):
    client = login(members_a["firm_admin"])
    assert client.post(EDIT, {**DRAFT, "action": "save"}).status_code == 302
    with firm_scope(firm_a):
        assert NotificationTemplate.objects.get(kind=Kind.PROPOSAL).subject == DRAFT["subject"]
    assert client.post(EDIT, {"action": "reset"}).status_code == 302
    with firm_scope(firm_a):
        assert not NotificationTemplate.objects.exists()


def test_the_preview_renders_the_draft_with_a_sample_scenario(members_a, login):
    client = login(members_a["firm_admin"])
    response = client.post(PREVIEW, DRAFT)
    html = response.content.decode()
    assert (
        response.status_code == 200
        and "Dear Alexandra Whitfield-Montgomery" in html
        and "VXUS" in html
    )
    assert (
        "'unsafe-inline'" in response["Content-Security-Policy"]
        and "sandbox" in response["Content-Security-Policy"]
    )
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    bad = client.post(PREVIEW, {**DRAFT, "body_html": "{% load x %}"}).content.decode()
    assert "Template tags and comments are not allowed" in bad
    assert "Robin Retire" in client.get(PREVIEW + "?scenario=ira").content.decode()


def test_the_preview_link_comes_from_the_site_url_not_the_host_header(members_a, login, settings):
    settings.SITE_URL = "https://app.rebalance.example"
    client = login(members_a["firm_admin"])
    html = client.get(PREVIEW, HTTP_HOST="localhost:8000").content.decode()
    assert 'href="https://app.rebalance.example/portal/"' in html and "localhost" not in html


def test_send_me_a_test_goes_through_the_outbox_to_my_own_address(firm_a, members_a, login, queued):
    admin = members_a["firm_admin"]
    client = login(admin)
    response = client.post(EDIT, {**DRAFT, "action": "test"})
    assert response.status_code == 302
    with firm_scope(firm_a):
        message = OutboundMessage.objects.get()
    assert message.recipient == admin.user.email and message.subject == "[Test] Hi Alexandra"
    assert message.status == S.PENDING and message.proposal is None
    with firm_scope(firm_a):
        assert not NotificationTemplate.objects.exists()  # a test send does not save


def test_the_outbox_lists_and_shows_messages_with_a_clickable_portal_link(
    firm_a, members_a, login, proposal_a, settings
):
    settings.SITE_URL = "https://demo.rebalance.example"
    with firm_scope(firm_a):
        message = outbound_message_for({"model": proposal_a.account.model})
    client = login(members_a["advisor"])
    page = client.get("/notifications/outbox/").content.decode()
    assert message.subject in page
    assert "iframe" in client.get(f"/notifications/outbox/{message.pk}/").content.decode()
    html = client.get(f"/notifications/outbox/{message.pk}/html/").content.decode()
    assert (
        'href="https://demo.rebalance.example/portal/"' in html and '<base target="_blank">' in html
    )
    assert (
        client.get("/notifications/outbox/?status=sent").content.decode().count(message.subject)
        == 0
    )


def test_the_outbox_runs_a_constant_number_of_queries(firm_a, members_a, login, queued):
    from notifications.services.messages import notification_test_send

    client = login(members_a["advisor"])
    with firm_scope(firm_a):
        notification_test_send(
            firm=firm_a, member=members_a["advisor"], kind=Kind.PROPOSAL, scenario="small"
        )
    with CaptureQueriesContext(connection) as one:
        assert client.get("/notifications/outbox/").status_code == 200
    with firm_scope(firm_a):
        for kind in Kind.values:
            notification_test_send(
                firm=firm_a, member=members_a["advisor"], kind=kind, scenario="hnw"
            )
    with CaptureQueriesContext(connection) as many:
        assert client.get("/notifications/outbox/").content.decode().count("[Test]") == 1 + len(
            Kind.values
        )
    assert len(one) == len(many)


def test_pages_and_api_answer_404_for_another_firms_message(
    firm_a, firm_b, members_a, login, queued
):
    from firms.services.api_tokens import api_token_create
    from tests.notifications.conftest import scanned_proposal

    proposal_b = scanned_proposal(firm_b)
    with firm_scope(firm_b):
        theirs = outbound_message_for({"model": proposal_b.account.model})
    client = login(members_a["firm_admin"])
    for url in (f"/notifications/outbox/{theirs.pk}/", f"/notifications/outbox/{theirs.pk}/html/"):
        assert client.get(url).status_code == 404, url
    token = api_token_create(members_a["ops"].user)
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert client.get(f"/api/notifications/messages/{theirs.pk}/", **auth).status_code == 404
    assert client.get("/api/notifications/messages/", **auth).json()["count"] == 0


def test_the_api_lists_and_filters_the_firms_messages(
    firm_a, members_a, client, proposal_a, queued
):
    from firms.services.api_tokens import api_token_create

    with firm_scope(firm_a):
        mine = outbound_message_for({"model": proposal_a.account.model})
    token = api_token_create(members_a["ops"].user)
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    body = client.get("/api/notifications/messages/?status=pending", **auth).json()
    assert [m["id"] for m in body["results"]] == [mine.pk] and body["results"][0][
        "proposal_version"
    ] == 1
    assert client.get("/api/notifications/messages/?status=failed", **auth).json()["count"] == 0


def test_the_admin_filters_and_retries_failed_messages(
    firm_a, members_a, login, proposal_a, queued
):
    with firm_scope(firm_a):
        message = outbound_message_for({"model": proposal_a.account.model})
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=S.FAILED, last_error="550 no such user"
        )
    client = login(members_a["ops"])
    listing = client.get(
        "/admin/notifications/outboundmessage/?status__exact=failed"
    ).content.decode()
    assert "550 no such user" in listing
    client.post(
        "/admin/notifications/outboundmessage/",
        {"action": "retry", "_selected_action": [message.pk]},
    )
    with firm_scope(firm_a):
        message.refresh_from_db()
    assert message.status == S.PENDING
