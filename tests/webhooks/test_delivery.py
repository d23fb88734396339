"""Deliveries against a real HTTP receiver on 127.0.0.1: signed, retried with back-off then
failed, replayed with the same id, held while paused, signed twice during a rotation, once
per event and endpoint, and never to another firm."""

from datetime import timedelta

import pytest
from django.utils import timezone

from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
from tests.webhooks.conftest import endpoint_for
from webhooks.calc.signing import signature
from webhooks.choices import DeliveryStatus as S
from webhooks.choices import EventType
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from webhooks.services.delivery import (
    retry_delay,
    webhook_deliveries_dispatch,
    webhook_delivery_replay,
    webhook_delivery_send,
)
from webhooks.services.emit import webhook_emit
from webhooks.services.endpoints import (
    webhook_endpoint_pause,
    webhook_endpoint_resume,
    webhook_endpoint_rotate,
)

pytestmark = pytest.mark.django_db
BREAK = EventType.RECONCILIATION_BREAK


def emit(firm, key="b1", **data):
    with firm_scope(firm):
        webhook_emit(
            firm_id=firm.pk,
            event_type=BREAK,
            key=key,
            data={"account_number": "A-1", "difference": "12.50", **data},
        )
        return list(WebhookDelivery.objects.order_by("pk"))


def send(firm, delivery, now=None):
    with firm_scope(firm):
        return webhook_delivery_send(delivery_id=delivery.pk, now=now)


def test_the_spec_example_signature():
    """The example of the Standard Webhooks specification, byte for byte."""
    assert (
        signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            b'{"test": 2432232314}',
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_a_delivery_is_signed_and_the_receiver_verifies_it(firm_a, receiver):
    endpoint = endpoint_for(firm_a, receiver)
    assert endpoint.secret.startswith("whsec_")
    [delivery] = emit(firm_a)
    assert receiver.count == 0  # written in the transaction, sent after
    assert send(firm_a, delivery) == "delivered"
    [got] = receiver.got
    assert got.verifies(endpoint.secret) and receiver.verified() == [got]
    assert got.msg_id.startswith("msg_") and got.path == "/hooks"
    assert abs(int(got.headers["webhook-timestamp"]) - timezone.now().timestamp()) < 5
    assert got.json["type"] == "reconciliation.break"
    assert got.json["data"] == {"account_number": "A-1", "difference": "12.50"}
    assert not got.verifies("whsec_" + "A" * 32)  # a wrong secret does not verify
    with firm_scope(firm_a):
        delivery.refresh_from_db()
        assert delivery.status == S.DELIVERED and delivery.last_status_code == 200
        [attempt] = WebhookAttempt.objects.all()
        assert attempt.status_code == 200 and attempt.response_excerpt == "ok"
    assert send(firm_a, delivery) == "skipped"  # delivered once
    assert receiver.count == 1


def test_a_failing_endpoint_is_retried_with_backoff_then_marked_failed(firm_a, receiver, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 3
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 30
    endpoint_for(firm_a, receiver)
    receiver.status = 500
    [delivery] = emit(firm_a)
    now = timezone.now()
    assert send(firm_a, delivery, now) == "retry"
    with firm_scope(firm_a):
        delivery.refresh_from_db()
    assert delivery.status == S.PENDING and delivery.next_attempt_at == now + timedelta(seconds=30)
    assert send(firm_a, delivery, now + timedelta(seconds=29)) == "skipped"  # not due yet
    assert send(firm_a, delivery, now + timedelta(seconds=30)) == "retry"
    with firm_scope(firm_a):
        delivery.refresh_from_db()
    second = now + timedelta(seconds=30)
    assert delivery.next_attempt_at == second + timedelta(seconds=60)  # doubled
    assert send(firm_a, delivery, second + timedelta(seconds=60)) == "failed"
    assert receiver.count == 3 and len({r.msg_id for r in receiver.got}) == 1
    assert all(r.verifies(receiver.secrets[0]) for r in receiver.got)
    with firm_scope(firm_a):
        delivery.refresh_from_db()
        assert delivery.status == S.FAILED and delivery.last_status_code == 500
        log = list(WebhookAttempt.objects.order_by("attempted_at"))
    assert [a.status_code for a in log] == [500, 500, 500]
    assert log[0].response_excerpt == "receiver failing on purpose"
    assert send(firm_a, delivery, second + timedelta(days=1)) == "skipped"
    assert retry_delay(20) == timedelta(seconds=settings.WEBHOOKS_RETRY_MAX_SECONDS)


def test_a_refused_connection_is_logged_and_retried(firm_a, receiver):
    endpoint = endpoint_for(firm_a, receiver)
    [delivery] = emit(firm_a)
    with firm_scope(firm_a):
        endpoint.url = "http://127.0.0.1:9/closed"  # nothing listens on the discard port
        endpoint.save(update_fields=["url"])
    assert send(firm_a, delivery) == "retry"
    with firm_scope(firm_a):
        [attempt] = WebhookAttempt.objects.all()
    assert attempt.status_code is None and "Connection" in attempt.error


def test_replay_delivers_again_with_the_same_id(firm_a, members_a, receiver, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    endpoint_for(firm_a, receiver)
    receiver.status = 500
    [delivery] = emit(firm_a)
    assert send(firm_a, delivery) == "failed"
    receiver.status = 200
    admin = members_a["firm_admin"].user
    with firm_scope(firm_a):
        replayed = webhook_delivery_replay(delivery_id=delivery.pk, actor=admin)
        assert replayed.status == S.PENDING and replayed.replays == 1
        assert AuditEntry.objects.filter(event="webhook.delivery_replayed").count() == 1
    assert send(firm_a, delivery) == "delivered"
    # A delivered one is replayed too (the CRM lost it): a third request, same id and body.
    with firm_scope(firm_a):
        webhook_delivery_replay(delivery_id=delivery.pk, actor=admin)
    assert send(firm_a, delivery) == "delivered"
    first, second, third = receiver.got
    assert first.msg_id == second.msg_id == third.msg_id
    assert first.body == second.body == third.body
    assert all(r.verifies(receiver.secrets[0]) for r in receiver.got)


def test_a_paused_endpoint_receives_nothing_and_its_queue_waits(firm_a, receiver):
    endpoint = endpoint_for(firm_a, receiver)
    [waiting] = emit(firm_a, key="before")
    with firm_scope(firm_a):
        assert webhook_deliveries_dispatch() == [waiting.pk]  # its task is queued, then…
        _e, changed = webhook_endpoint_pause(endpoint_id=endpoint.pk)
    assert changed
    assert emit(firm_a, key="during") == [waiting]  # nothing queued while paused
    assert send(firm_a, waiting) == "skipped"  # …the task finds the endpoint paused
    with firm_scope(firm_a):
        assert webhook_deliveries_dispatch() == []
    assert receiver.count == 0
    with firm_scope(firm_a):
        webhook_endpoint_resume(endpoint_id=endpoint.pk)
        assert webhook_deliveries_dispatch() == [waiting.pk]
    assert send(firm_a, waiting) == "delivered"
    assert receiver.count == 1 and receiver.got[0].json["type"] == BREAK


def test_rotation_signs_with_both_secrets_for_a_day(firm_a, receiver):
    endpoint = endpoint_for(firm_a, receiver)
    old = endpoint.secret
    now = timezone.now()
    with firm_scope(firm_a):
        rotated = webhook_endpoint_rotate(endpoint_id=endpoint.pk, now=now)
    new = rotated.secret
    assert new != old and rotated.previous_secret_expires_at == now + timedelta(hours=24)
    first, second = emit(firm_a, key="one")[0], emit(firm_a, key="two")[-1]
    assert send(firm_a, first, now + timedelta(hours=23)) == "delivered"
    during = receiver.got[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert during.verifies(old) and during.verifies(new)
    assert send(firm_a, second, now + timedelta(hours=25)) == "delivered"
    after = receiver.got[-1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert after.verifies(new) and not after.verifies(old)


def test_each_event_is_delivered_once_per_endpoint(firm_a, receiver, receiver_b):
    endpoint_for(firm_a, receiver)
    endpoint_for(firm_a, receiver_b, event_types=[EventType.PROPOSAL_CREATED])
    emit(firm_a, key="same")
    deliveries = emit(firm_a, key="same")  # the stage ran again: nothing new
    with firm_scope(firm_a):
        assert WebhookEvent.objects.count() == 1
    assert len(deliveries) == 1  # the second endpoint does not subscribe to breaks
    for _ in range(2):
        send(firm_a, deliveries[0])
    assert receiver.count == 1 and receiver_b.count == 0


def test_no_event_reaches_another_firms_endpoint(firm_a, firm_b, receiver, receiver_b):
    """Both firms listen to every event; a scan in firm A posts A's proposals to A only."""
    from drift.services.scan import drift_scan_run
    from portfolios import models as pm
    from tests.factories import make_book

    endpoint_for(firm_a, receiver)
    endpoint_for(firm_b, receiver_b)
    with firm_scope(firm_b):
        make_book(firm_b, accounts=2)
    with firm_scope(firm_a):
        book = make_book(firm_a, accounts=3)
        pm.Account.objects.update(segment="conservative")
        drift_scan_run(firm_id=firm_a.pk, as_of=book["stock"].prices.first().date)
        numbers = set(pm.Account.objects.values_list("number", flat=True))
        deliveries = list(WebhookDelivery.objects.all())
        assert len(deliveries) == 3
        for d in deliveries:
            assert webhook_delivery_send(delivery_id=d.pk) == "delivered"
    with firm_scope(firm_b):
        assert WebhookEvent.objects.count() == 0 and WebhookDelivery.objects.count() == 0
        assert webhook_deliveries_dispatch() == []
        for d in deliveries:  # firm A's ids in firm B's scope: not found, nothing sent
            assert webhook_delivery_send(delivery_id=d.pk) == "skipped"
    assert receiver_b.count == 0 and receiver.count == 3
    assert {r.json["data"]["account_number"] for r in receiver.got} == numbers
    assert all(r.json["type"] == "proposal.created" for r in receiver.got)
    assert len(receiver.verified()) == 3


def test_firm_tasks_with_another_firms_delivery_do_nothing(firm_a, firm_b, receiver):
    """The tasks run in the scope of the firm they are given: firm B's task never sends A's."""
    from webhooks.tasks import webhook_delivery_send_task, webhooks_dispatch_firm

    endpoint_for(firm_a, receiver)
    [delivery] = emit(firm_a)
    assert webhook_delivery_send_task(firm_id=firm_b.pk, delivery_id=delivery.pk) == "skipped"
    assert webhooks_dispatch_firm(firm_id=firm_b.pk) == 0
    assert receiver.count == 0
    assert webhook_delivery_send_task(firm_id=firm_a.pk, delivery_id=delivery.pk) == "delivered"
    assert receiver.count == 1


def test_an_address_refused_at_send_time_fails_without_a_request(firm_a, receiver, settings):
    """The endpoint was saved while 127.0.0.1 was allowed; at the attempt it no longer is."""
    endpoint_for(firm_a, receiver)
    [delivery] = emit(firm_a)
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    assert send(firm_a, delivery) == "failed"
    assert receiver.count == 0
    with firm_scope(firm_a):
        [attempt] = WebhookAttempt.objects.all()
    assert "127.0.0.1" in attempt.error and "private or local address" in attempt.error


def test_dispatch_hands_each_delivery_over_once_and_reclaims_a_dead_workers(firm_a, receiver):
    endpoint_for(firm_a, receiver)
    [delivery] = emit(firm_a)
    now = timezone.now()
    with firm_scope(firm_a):
        assert webhook_deliveries_dispatch(now=now) == [delivery.pk]
        assert webhook_deliveries_dispatch(now=now) == []  # its task is in the queue
        later = now + timedelta(minutes=6)  # the task was lost: handed over again
        assert webhook_deliveries_dispatch(now=later) == [delivery.pk]
        # A worker claimed it and died mid-send: the sweep puts it back after the timeout.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=S.SENDING, claimed_at=later)
        assert webhook_deliveries_dispatch(now=later + timedelta(minutes=1)) == []
        assert webhook_deliveries_dispatch(now=later + timedelta(minutes=6)) == [delivery.pk]
        assert WebhookDelivery.objects.get().status == S.PENDING
    assert send(firm_a, delivery, later + timedelta(minutes=6)) == "delivered"
    assert receiver.count == 1
