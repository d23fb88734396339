"""The firm admin's pages and REST routes: create (secret shown once), edit, pause, resume,
rotate, the delivery log with replay; other roles refused; lists at constant query counts."""

import pytest
from django.urls import reverse

from firms.choices import Role
from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
from tests.webhooks.conftest import endpoint_for
from tests.webhooks.test_delivery import emit
from webhooks.choices import DeliveryStatus, EndpointStatus
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(login, members_a):
    return login(members_a[Role.FIRM_ADMIN])


@pytest.fixture
def token_for():
    from firms.services.api_tokens import api_token_create

    return lambda m: {"HTTP_AUTHORIZATION": f"Token {api_token_create(m.user)}"}


def test_a_firm_admin_creates_an_endpoint_and_sees_its_secret_once(admin_client, firm_a, receiver):
    response = admin_client.post(
        reverse("webhooks:endpoint_new"),
        {"url": receiver.url, "description": "Redtail", "event_types": ["proposal.created"]},
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    with firm_scope(firm_a):
        endpoint = WebhookEndpoint.objects.get()
        assert AuditEntry.objects.filter(event="webhook.endpoint_created").count() == 1
    assert endpoint.secret in response.content.decode()
    assert endpoint.event_types == ["proposal.created"] and endpoint.status == "active"
    detail = admin_client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).content.decode()
    listing = admin_client.get(reverse("webhooks:endpoints")).content.decode()
    assert "Redtail" in detail and "Redtail" in listing
    assert endpoint.secret not in detail and endpoint.secret not in listing


def test_bad_input_is_named_and_nothing_is_written(admin_client, firm_a, settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    cases = {
        "ftp://crm.example/hook": "must start with https://",
        "http://127.0.0.1:8000/hook": "private or local address",
        "http://10.1.2.3/hook": "private or local address",
        "https://user:pw@crm.example/hook": "user name or password",
    }
    for url, message in cases.items():
        response = admin_client.post(
            reverse("webhooks:endpoint_new"), {"url": url, "event_types": ["order.filled"]}
        )
        assert response.status_code == 200 and message in response.content.decode(), url
    response = admin_client.post(reverse("webhooks:endpoint_new"), {"url": "https://x.example/"})
    assert "Choose at least one event type." in response.content.decode()
    with firm_scope(firm_a):
        assert WebhookEndpoint.objects.count() == 0


def test_pause_resume_rotate_and_edit_from_the_page(admin_client, firm_a, receiver):
    endpoint = endpoint_for(firm_a, receiver)
    url = reverse("webhooks:endpoint", args=[endpoint.pk])
    admin_client.post(reverse("webhooks:endpoint_pause", args=[endpoint.pk]))
    with firm_scope(firm_a):
        assert WebhookEndpoint.objects.get().status == EndpointStatus.PAUSED
    assert "Resume" in admin_client.get(url).content.decode()
    admin_client.post(reverse("webhooks:endpoint_resume", args=[endpoint.pk]))
    response = admin_client.post(reverse("webhooks:endpoint_rotate", args=[endpoint.pk]))
    with firm_scope(firm_a):
        rotated = WebhookEndpoint.objects.get()
        events = set(AuditEntry.objects.values_list("event", flat=True))
    assert rotated.status == EndpointStatus.ACTIVE and rotated.previous_secret == endpoint.secret
    assert rotated.secret in response.content.decode()
    assert endpoint.secret not in response.content.decode()
    assert {
        "webhook.endpoint_paused",
        "webhook.endpoint_resumed",
        "webhook.secret_rotated",
    } <= events
    admin_client.post(
        url, {"url": receiver.url, "description": "Wealthbox", "event_types": ["report.ready"]}
    )
    with firm_scope(firm_a):
        edited = WebhookEndpoint.objects.get()
    assert edited.description == "Wealthbox" and edited.event_types == ["report.ready"]
    assert edited.secret == rotated.secret  # an edit keeps the secret


def test_the_delivery_log_and_replay_page(admin_client, firm_a, receiver, settings):
    from webhooks.services.delivery import webhook_delivery_send

    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    endpoint_for(firm_a, receiver)
    receiver.status = 500
    [delivery] = emit(firm_a)
    with firm_scope(firm_a):
        webhook_delivery_send(delivery_id=delivery.pk)
    page = admin_client.get(reverse("webhooks:delivery", args=[delivery.pk])).content.decode()
    assert "receiver failing on purpose" in page and "Failed" in page
    receiver.status = 200
    admin_client.post(reverse("webhooks:delivery_replay", args=[delivery.pk]))
    with firm_scope(firm_a):
        assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
        webhook_delivery_send(delivery_id=delivery.pk)
    assert [r.msg_id for r in receiver.got] == [receiver.got[0].msg_id] * 2
    log = admin_client.get(reverse("webhooks:deliveries") + "?status=delivered").content.decode()
    assert "reconciliation.break" in log


@pytest.mark.parametrize("role", [r for r in Role.values if r not in (Role.FIRM_ADMIN,)])
def test_other_roles_are_refused(login, members_a, firm_a, role, receiver):
    from tests.factories import ClientFactory

    if role == Role.CLIENT:
        from firms.services.members import member_create
        from tests.conftest import PASSWORD

        with firm_scope(firm_a):
            member = member_create(
                firm=firm_a, email="c@alpha.test", role=role, password=PASSWORD, name="C"
            )
            ClientFactory(firm=firm_a, email="c@alpha.test", user=member.user)
    else:
        member = members_a[role]
    endpoint = endpoint_for(firm_a, receiver)
    client = login(member)
    assert client.get(reverse("webhooks:endpoints")).status_code == 403
    assert client.post(reverse("webhooks:endpoint_rotate", args=[endpoint.pk])).status_code == 403
    assert client.get("/api/webhooks/endpoints/").status_code == 403
    with firm_scope(firm_a):
        assert WebhookEndpoint.objects.get().secret == endpoint.secret


def test_the_lists_cost_constant_queries(admin_client, firm_a, receiver, receiver_b):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    endpoint_for(firm_a, receiver)
    emit(firm_a, key="1")
    urls = [
        reverse("webhooks:endpoints"),
        reverse("webhooks:deliveries"),
        "/api/webhooks/endpoints/",
        "/api/webhooks/deliveries/",
    ]
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as few:
            for url in urls:
                assert admin_client.get(url).status_code == 200
        counts.append(len(few))
    for i in range(2, 8):
        endpoint_for(firm_a, receiver_b, description=f"e{i}")
        emit(firm_a, key=str(i))
    with CaptureQueriesContext(connection) as more:
        for url in urls:
            assert admin_client.get(url).status_code == 200
    assert len(more) == counts[-1]


def test_the_api_manages_endpoints_and_replays(client, members_a, firm_a, receiver, token_for):
    auth = token_for(members_a[Role.FIRM_ADMIN])
    created = client.post(
        "/api/webhooks/endpoints/",
        {"url": receiver.url, "event_types": ["reconciliation.break"], "description": "SF"},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["status"] == "active"
    pk = body["id"]
    listed = client.get("/api/webhooks/endpoints/", **auth).json()["results"]
    assert [e["id"] for e in listed] == [pk] and "secret" not in listed[0]
    assert "secret" not in client.get(f"/api/webhooks/endpoints/{pk}/", **auth).json()
    bad = client.post(
        "/api/webhooks/endpoints/",
        {"url": "gopher://x", "event_types": ["no.such"]},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400 and "event_types" in bad.json()
    bad = client.post(
        "/api/webhooks/endpoints/",
        {"url": "gopher://x", "event_types": ["order.filled"]},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400 and "https://" in bad.json()["url"][0]
    paused = client.post(f"/api/webhooks/endpoints/{pk}/pause/", **auth).json()
    assert paused["status"] == "paused"
    assert client.post(f"/api/webhooks/endpoints/{pk}/resume/", **auth).json()["status"] == "active"
    rotated = client.post(f"/api/webhooks/endpoints/{pk}/rotate-secret/", **auth).json()
    assert rotated["secret"] != body["secret"] and rotated["previous_secret_expires_at"]
    patched = client.patch(
        f"/api/webhooks/endpoints/{pk}/",
        {"description": "Salesforce"},
        content_type="application/json",
        **auth,
    )
    assert patched.json()["description"] == "Salesforce"
    [delivery] = emit(firm_a)
    from webhooks.services.delivery import webhook_delivery_send

    with firm_scope(firm_a):
        webhook_delivery_send(delivery_id=delivery.pk)
    detail = client.get(f"/api/webhooks/deliveries/{delivery.pk}/", **auth).json()
    assert detail["status"] == "delivered" and detail["webhook_id"] == receiver.got[0].msg_id
    assert detail["attempt_log"][0]["status_code"] == 200 and detail["payload"]
    replay = client.post(f"/api/webhooks/deliveries/{delivery.pk}/replay/", **auth)
    assert replay.status_code == 202 and replay.json()["status"] == "pending"
    with firm_scope(firm_a):
        webhook_delivery_send(delivery_id=delivery.pk)
    assert [r.msg_id for r in receiver.got] == [detail["webhook_id"]] * 2
    advisor = token_for(members_a[Role.ADVISOR])
    assert client.get(f"/api/webhooks/deliveries/{delivery.pk}/", **advisor).status_code == 403
