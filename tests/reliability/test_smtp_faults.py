"""The SMTP server answers 4xx, then 5xx, then is unreachable, then comes back. Every
message is kept (a row, pending or failed-and-visible), retried with backoff by the outbox
sweep, and delivered exactly once (counted at the server by the X-Rebalance-Message header).
A real SMTP conversation over loopback (the stdlib test server of tests/notifications) with an
injected clock; the sweep drives the sends as the beat would."""

import json
import re
import socketserver
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
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
from tests.notifications.conftest import SMTPServer, _SMTPHandler, scanned_proposal

pytestmark = pytest.mark.django_db
MESSAGES = 24
ARTIFACT = (
    Path(__file__).resolve().parents[2] / "test-artifacts" / "reliability" / "smtp_faults.json"
)


class PortSMTPServer(SMTPServer):
    """The test server, bound to a chosen port so it can come back where it was."""

    def __init__(self, port=0):
        socketserver.ThreadingTCPServer.__init__(self, ("127.0.0.1", port), _SMTPHandler)
        self.received, self.mail_reply = [], "250 OK"


def _start(port=0):
    server = PortSMTPServer(port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _stop(server):
    server.shutdown()
    server.server_close()


def _sweep_and_send(now) -> Counter:
    """One beat tick: the sweep's due messages, each sent (what the queued task would do)."""
    outcomes = Counter()
    for pk in outbox_sweep(now=now):
        outcomes[outbound_message_send(message_id=pk, now=now)] += 1
    return outcomes


def test_smtp_4xx_then_5xx_then_unreachable_keeps_retries_and_sends_each_message_once(
    firm_a, members_a, settings, monkeypatch
):
    from notifications import tasks

    monkeypatch.setattr(
        tasks.outbound_message_send_task, "delay", lambda **kw: None
    )  # the test drives sends
    server = _start()
    port = server.server_address[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    proposal = scanned_proposal(firm_a, advisor=members_a["advisor"])
    log, received = [], []
    now = timezone.now()
    with firm_scope(firm_a):
        ids = [
            notification_enqueue(
                firm=firm_a,
                request=NotificationRequest(
                    kind=Kind.PROPOSAL,
                    recipient=f"c{i}@client.test",
                    proposal=proposal,
                    portal_path="/portal/proposals/x/",
                ),
            ).pk
            for i in range(MESSAGES)
        ]
        OutboundMessage.objects.update(next_attempt_at=now)

        # Phase 1: 4xx to MAIL FROM (greylisting, "try later") — twice.
        for reply in ("421 4.3.2 Service shutting down", "451 4.7.1 Greylisted, try later"):
            server.mail_reply = reply
            log.append((reply[:3], dict(_sweep_and_send(now))))
            now += timedelta(hours=2)  # past any backoff so far
        assert OutboundMessage.objects.filter(status=S.PENDING).count() == MESSAGES

        # Phase 2: a 5xx for half the sweep — permanent by design: failed, kept, visible.
        server.mail_reply = "554 5.7.1 Relay temporarily refused"
        outcomes = Counter()
        for pk in outbox_sweep(now=now)[: MESSAGES // 2]:
            outcomes[outbound_message_send(message_id=pk, now=now)] += 1
        log.append(("554", dict(outcomes)))
        failed = list(OutboundMessage.objects.filter(status=S.FAILED).values_list("pk", flat=True))
        assert len(failed) == MESSAGES // 2
        assert all(
            "554" in e
            for e in OutboundMessage.objects.filter(pk__in=failed).values_list(
                "last_error", flat=True
            )
        )

        # Phase 3: the server is gone (connection refused) for three ticks.
        received += server.received
        _stop(server)
        for _ in range(3):
            log.append(("unreachable", dict(_sweep_and_send(now))))
            now += timedelta(hours=2)
        assert OutboundMessage.objects.count() == MESSAGES  # nothing lost
        assert not OutboundMessage.objects.filter(status=S.SENT).exists()

        # Phase 4: back on the same port, answering 250; an operator retries the failed ones.
        server = _start(port)
        for pk in failed:
            assert outbound_message_retry(message_id=pk) is True
        for _ in range(4):  # more ticks than needed: a second send would show up here
            log.append(("250", dict(_sweep_and_send(now))))
            now += timedelta(hours=2)
        received += server.received
        _stop(server)
        attempts = list(OutboundMessage.objects.values_list("attempts", flat=True))
        statuses = Counter(OutboundMessage.objects.values_list("status", flat=True))

    delivered = Counter(
        int(m.group(1)) for raw in received if (m := re.search(rb"X-Rebalance-Message: (\d+)", raw))
    )
    figures = {
        "messages": MESSAGES,
        "ticks": log,
        "statuses": dict(statuses),
        "attempts_total": sum(attempts),
        "attempts_max": max(attempts),
        "delivered_messages": len(delivered),
        "delivered_twice": sum(1 for n in delivered.values() if n > 1),
        "lost": MESSAGES - len(delivered),
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, indent=2))
    assert statuses == {S.SENT: MESSAGES}
    assert set(delivered) == set(ids) and all(n == 1 for n in delivered.values()), figures
