"""The outbox: a row first, sent once, retried on temporary failures, never lost."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone

from firms.services.tenancy import firm_scope
from notifications.choices import Kind
from notifications.choices import MessageStatus as S
from notifications.models import OutboundMessage
from notifications.services.messages import NotificationRequest, notification_enqueue
from notifications.services.outbox import (
    outbound_message_retry,
    outbound_message_send,
    outbox_sweep,
)

pytestmark = pytest.mark.django_db


def enqueue(firm, proposal, kind=Kind.PROPOSAL, recipient=None):
    return notification_enqueue(
        firm=firm,
        request=NotificationRequest(
            kind=kind,
            recipient=recipient or proposal.account.client.email,
            proposal=proposal,
            portal_path="/portal/proposals/abc/",
        ),
    )


def test_a_message_is_a_row_first_and_is_sent_after_commit(
    firm_a, proposal_a, queued, django_capture_on_commit_callbacks
):
    with firm_scope(firm_a), django_capture_on_commit_callbacks(execute=True):
        message = enqueue(firm_a, proposal_a)
        assert queued == []  # nothing is sent before the commit
    assert queued == [{"firm_id": firm_a.pk, "message_id": message.pk}]
    assert message.status == S.PENDING and message.proposal_version == proposal_a.version
    assert message.proposal_hash == proposal_a.content_hash and mail.outbox == []


def test_enqueuing_twice_makes_one_message(firm_a, proposal_a, queued):
    with firm_scope(firm_a):
        first, second = enqueue(firm_a, proposal_a), enqueue(firm_a, proposal_a)
        assert first.pk == second.pk and OutboundMessage.objects.count() == 1
        enqueue(firm_a, proposal_a, recipient="someone.else@example.test")
        enqueue(firm_a, proposal_a, kind=Kind.REMINDER)
        assert OutboundMessage.objects.count() == 3


def test_running_the_sender_twice_sends_one_email(firm_a, proposal_a, queued):
    with firm_scope(firm_a):
        message = enqueue(firm_a, proposal_a)
        assert outbound_message_send(message_id=message.pk) == "sent"
        assert outbound_message_send(message_id=message.pk) == "skipped"
        message.refresh_from_db()
    assert (
        len(mail.outbox) == 1
        and message.status == S.SENT
        and message.sent_at
        and message.attempts == 1
    )
    sent = mail.outbox[0]
    assert sent.to == [proposal_a.account.client.email]
    assert sent.alternatives[0][1] == "text/html" and "<table" in sent.alternatives[0][0]
    assert "VTI" in sent.body and "<table" not in sent.body


def test_a_message_not_yet_due_is_not_sent(firm_a, proposal_a, queued):
    with firm_scope(firm_a):
        message = enqueue(firm_a, proposal_a)
        OutboundMessage.objects.filter(pk=message.pk).update(
            next_attempt_at=timezone.now() + timedelta(minutes=5)
        )
        assert outbound_message_send(message_id=message.pk) == "skipped"
    assert mail.outbox == []


def test_an_smtp_failure_leaves_it_queued_with_its_error_and_it_goes_out_once_the_server_is_back(
    firm_a, proposal_a, queued, smtp_server, settings
):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    smtp_server.mail_reply = "451 4.3.0 Mail server temporarily unavailable"
    with firm_scope(firm_a):
        message = enqueue(firm_a, proposal_a)
        t0 = timezone.now()
        assert outbound_message_send(message_id=message.pk, now=t0) == "retry"
        message.refresh_from_db()
        assert message.status == S.PENDING and message.attempts == 1 and "451" in message.last_error
        assert message.next_attempt_at >= t0 + timedelta(seconds=60)
        assert outbox_sweep(now=t0) == []  # not due yet: the backoff holds
        smtp_server.mail_reply = "250 OK"
        assert outbox_sweep(now=message.next_attempt_at) == [message.pk]
        assert outbound_message_send(message_id=message.pk, now=message.next_attempt_at) == "sent"
        message.refresh_from_db()
    assert message.status == S.SENT and message.attempts == 2 and message.last_error == ""
    assert len(smtp_server.received) == 1 and b"Subject:" in smtp_server.received[0]


def test_a_refused_connection_is_temporary_and_backs_off_exponentially(
    firm_a, proposal_a, queued, settings
):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = (
        "django.core.mail.backends.smtp.EmailBackend",
        "127.0.0.1",
        port,
    )
    with firm_scope(firm_a):
        message = enqueue(firm_a, proposal_a)
        now, delays = timezone.now(), []
        for _ in range(3):
            assert outbound_message_send(message_id=message.pk, now=now) == "retry"
            message.refresh_from_db()
            delays.append(message.next_attempt_at - now)
            now = message.next_attempt_at
    assert "Connection" in message.last_error or "refused" in message.last_error.lower()
    assert delays[1] >= 2 * delays[0] - timedelta(seconds=1) and delays[2] >= 2 * delays[
        1
    ] - timedelta(seconds=1)


def test_a_permanent_failure_is_failed_visible_and_retryable(
    firm_a, proposal_a, queued, smtp_server
):
    smtp_server.mail_reply = "550 5.1.0 Sender rejected"
    with firm_scope(firm_a):
        message = enqueue(firm_a, proposal_a)
        assert outbound_message_send(message_id=message.pk) == "failed"
        message.refresh_from_db()
        assert message.status == S.FAILED and "550" in message.last_error
        assert outbox_sweep() == []  # a failed message waits for a person
        smtp_server.mail_reply = "250 OK"
        assert outbound_message_retry(message_id=message.pk) is True
        assert outbound_message_retry(message_id=message.pk) is False  # already queued again
        assert outbound_message_send(message_id=message.pk) == "sent"
    assert len(smtp_server.received) == 1


def test_a_message_stuck_in_sending_is_reclaimed_by_the_sweep(firm_a, proposal_a, queued, settings):
    settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS = 600
    with firm_scope(firm_a):
        message = enqueue(firm_a, proposal_a)
        now = timezone.now()
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=S.SENDING, claimed_at=now - timedelta(seconds=599)
        )
        assert outbox_sweep(now=now) == []  # its worker may still be sending
        assert outbox_sweep(now=now + timedelta(seconds=2)) == [message.pk]
        assert (
            outbound_message_send(message_id=message.pk, now=now + timedelta(seconds=2)) == "sent"
        )
    assert len(mail.outbox) == 1


def test_the_sweep_only_sees_its_own_firm(firm_a, firm_b, proposal_a, queued):
    from tests.notifications.conftest import scanned_proposal

    proposal_b = scanned_proposal(firm_b)
    with firm_scope(firm_b):
        mine = enqueue(firm_b, proposal_b)
    with firm_scope(firm_a):
        enqueue(firm_a, proposal_a)
        assert mine.pk not in outbox_sweep()
        assert outbound_message_send(message_id=mine.pk) == "skipped"


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_the_same_message_at_once_send_one_email(firm_a, members_a, queued):
    from tests.notifications.conftest import scanned_proposal

    proposal = scanned_proposal(firm_a)
    with firm_scope(firm_a):
        message = enqueue(firm_a, proposal)
    barrier, results = threading.Barrier(4), []

    def worker():
        try:
            with firm_scope(firm_a.pk):
                barrier.wait()
                results.append(outbound_message_send(message_id=message.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["sent", "skipped", "skipped", "skipped"]
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_after_commit_the_task_sends_it(firm_a, members_a):
    """The real task path (eager): enqueue in a transaction → on_commit → FirmTask → one email."""
    from django.db import transaction

    from rebalance_site.celery import app
    from tests.notifications.conftest import scanned_proposal

    proposal = scanned_proposal(firm_a)
    app.conf.task_always_eager = True
    try:
        with firm_scope(firm_a):
            with transaction.atomic():
                message = enqueue(firm_a, proposal)
                assert mail.outbox == []
            message.refresh_from_db()
    finally:
        app.conf.task_always_eager = False
    assert message.status == S.SENT and len(mail.outbox) == 1
