"""Redis (Celery broker + Django cache) stopped while clients approve proposals.

A private redis-server on a free port serves this test's cache and broker, and a real Celery
worker (subprocess) sends the outbox to a loopback SMTP server. The approvals wait at the client
step (some behind an advisor step). Then Redis is SIGKILLed — it comes back empty, as an
unpersisted Redis does — and, through real requests (the full middleware, allauth's login
with its cache-backed rate limits, the portal), the advisor pre-approves and every client signs
in (password or the emailed link) and approves. Every response must be < 500 and every
approval recorded; the signed PDFs, whose tasks could not be published, are rendered by the
approvals sweep afterwards, each once. Redis then returns on the same port; the test plays beat
(sends the outbox
sweep task every few seconds) until every follow-up email was delivered, and asserts each
message arrived exactly once. Outage: 60 s with RELIABILITY=1, a few seconds otherwise."""

import email
import json
import re
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import Client as HttpClient
from django.utils import timezone

from approvals.choices import ApprovalStatus, StepRole, StepStatus
from approvals.models import Approval, ApprovalStep, Signature
from approvals.services import approvals_start
from approvals.services.signed_pdf import PDF_RETRY_AFTER, signature_pdfs_retry
from drift.models import Proposal
from firms.services.tenancy import firm_scope
from notifications.choices import MessageStatus
from notifications.models import OutboundMessage
from rebalance_site.celery import app as celery_app
from tests.approvals.helpers import checked
from tests.conftest import PASSWORD
from tests.notifications.conftest import SMTPServer
from tests.reliability.conftest import HEAVY
from tests.reliability.private_redis import private_redis, worker_start, worker_stop  # noqa: F401 (fixture)
from tests.reliability.waiting import wait_until

ARTIFACT = (
    Path(__file__).resolve().parents[2] / "test-artifacts" / "reliability" / "redis_outage.json"
)
OUTAGE_S = 60 if HEAVY else 3
CLIENT_ONLY, ADVISOR_FIRST = (12, 8) if HEAVY else (2, 2)
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class PortSMTPServer(SMTPServer):
    def __init__(self):
        super().__init__()
        threading.Thread(target=self.serve_forever, daemon=True).start()


def _received_ids(server) -> Counter:
    return Counter(
        int(m.group(1))
        for raw in list(server.received)
        if (m := re.search(rb"X-Rebalance-Message: (\d+)", raw))
    )


def _portal_links(server) -> dict[str, str]:
    """recipient → the portal link path of the proposal email they received."""
    links = {}
    for raw in list(server.received):
        msg = email.message_from_bytes(raw)
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                text = part.get_payload(decode=True).decode()
                if m := re.search(r"http://127\.0\.0\.1:8000(/portal/l/[A-Za-z0-9_\-]+/)", text):
                    links[msg["To"]] = m.group(1)
    return links


@pytest.fixture
def smtp(settings):
    server = PortSMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        server.server_address[1],
        5,
    )
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def worker(private_redis, smtp, tmp_path):  # noqa: F811
    log = tmp_path / "worker.log"
    proc = worker_start(
        private_redis.url,
        log,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp.server_address[1],
        EMAIL_TIMEOUT=5,
    )
    yield log
    worker_stop(proc)


class Requests:
    """Every request through the test client, with its status and duration."""

    def __init__(self):
        self.log: list[tuple[str, str, int, float]] = []

    def __call__(self, http, method: str, path: str, data=None, **kw):
        started = time.monotonic()
        response = (
            getattr(http, method)(path, data, **kw)
            if data is not None
            else getattr(http, method)(path, **kw)
        )
        self.log.append(
            (
                method.upper(),
                re.sub(r"\d+", "N", path.split("/l/")[0]),
                response.status_code,
                time.monotonic() - started,
            )
        )
        return response

    @property
    def server_errors(self):
        return [row for row in self.log if row[2] >= 500]


def _browser() -> HttpClient:
    return HttpClient(
        raise_request_exception=False
    )  # a view's exception is the 500 a browser would get


def _login(requests, email_address: str, password: str = PASSWORD) -> HttpClient:
    http = _browser()
    requests(http, "post", "/accounts/login/", {"login": email_address, "password": password})
    return http


def _approve(requests, http, approval) -> None:
    requests(http, "get", "/portal/")
    requests(http, "get", f"/portal/proposals/{approval.pk}/")
    data = {
        "consent": "on",
        "typed_name": approval.proposal.account.client.name,
        "content_hash": approval.content_hash,
    }
    requests(
        http,
        "post",
        f"/portal/proposals/{approval.pk}/approve/",
        data,
        HTTP_USER_AGENT="outage-test",
    )


def _tick_sweep() -> bool:
    """What beat sends every minute (notifications-outbox-sweep); False while the broker is down."""
    try:
        celery_app.send_task("notifications.tasks.outbox_sweep_all")
        return True
    except Exception:  # noqa: BLE001 - the broker may still be coming back
        return False


def test_redis_stopped_while_clients_approve_loses_nothing_and_sends_each_follow_up_once(
    firm_a, members_a, private_redis, smtp, worker, caplog
):  # noqa: F811
    started = time.monotonic()
    n = CLIENT_ONLY + ADVISOR_FIRST
    book, ids = checked(firm_a, n=n, value="50000.00", advisor=members_a["advisor"])
    with firm_scope(firm_a):
        Proposal.objects.filter(pk__in=ids[CLIENT_ONLY:]).update(
            total_value=Decimal("200000.00")
        )  # advisor, then client
        approvals_start(firm_id=firm_a.pk, now=timezone.now())
        approvals = list(
            Approval.objects.select_related("proposal__account__client").order_by("pk")
        )
        first_emails = OutboundMessage.objects.count()
    assert len(approvals) == n and first_emails == CLIENT_ONLY
    # With Redis up, the worker sends the proposal emails (the links the clients will use).
    assert wait_until(lambda: len(_received_ids(smtp)) == CLIENT_ONLY, 60), (
        f"worker did not send; see {worker}"
    )
    links = _portal_links(smtp)

    # --- Redis goes away ------------------------------------------------------------------
    private_redis.kill()
    outage_started = time.monotonic()
    requests = Requests()
    advisor = _login(requests, members_a["advisor"].user.email)
    staff_steps = []
    with firm_scope(firm_a):
        for a in approvals:
            staff_steps += list(
                ApprovalStep.objects.filter(approval=a, role=StepRole.ADVISOR).values_list(
                    "pk", flat=True
                )
            )
    for step_id in staff_steps:
        requests(advisor, "post", f"/approvals/steps/{step_id}/decide/", {"decision": "approve"})
    requests(
        _browser(),
        "post",
        "/accounts/login/",
        {"login": approvals[0].proposal.account.client.email, "password": "wrong-password"},
    )  # a failed login: rate limit
    pace = OUTAGE_S * 0.8 / n
    for i, approval in enumerate(approvals):
        client_email = approval.proposal.account.client.email
        if client_email in links and i % 2 == 0:
            http = _browser()
            requests(http, "get", links[client_email])
        else:
            http = _login(requests, client_email)
        _approve(requests, http, approval)
        time.sleep(max(0.0, outage_started + pace * (i + 1) - time.monotonic()))
    with firm_scope(firm_a):
        statuses = Counter(Approval.objects.values_list("status", flat=True))
        signatures = Signature.objects.count()
        pdfs_during = Signature.objects.exclude(
            pdf_sha256=""
        ).count()  # their tasks could not be published
        waiting_steps = ApprovalStep.objects.filter(status=StepStatus.ACTIVE).count()
    time.sleep(max(0.0, outage_started + OUTAGE_S - time.monotonic()))
    outage_s, during = time.monotonic() - outage_started, list(requests.log)

    # --- Redis returns (empty) --------------------------------------------------------------
    private_redis.start()
    recovered_started = time.monotonic()

    def all_sent() -> bool:
        _tick_sweep()
        with firm_scope(firm_a):
            return not OutboundMessage.objects.exclude(status=MessageStatus.SENT).exists()

    recovered = wait_until(all_sent, 120 if HEAVY else 40, step=2.0)
    recovery_s = time.monotonic() - recovered_started
    # The signed PDFs whose tasks were lost: the firm's approvals sweep renders them (a few per
    # sweep) once the signatures are PDF_RETRY_AFTER old (this test does not wait those minutes).
    pdfs_rendered, sweeps = [], 0
    with firm_scope(firm_a):
        while sweeps <= n and (batch := signature_pdfs_retry(now=timezone.now() + PDF_RETRY_AFTER)):
            pdfs_rendered += batch
            sweeps += 1
        pdfs = Signature.objects.exclude(pdf_sha256="").exclude(pdf="").count()
    for _ in range(2):  # more beat ticks: a second send would show up now
        _tick_sweep()
        time.sleep(1.0)
    requests(
        _browser(),
        "post",
        "/accounts/login/",
        {"login": members_a["advisor"].user.email, "password": "wrong"},
    )
    cache_back = not caches[
        "default"
    ].degraded  # the first call after the retry window went to Redis again
    with firm_scope(firm_a):
        messages = dict(OutboundMessage.objects.values_list("pk", "kind"))
        outbox = Counter(OutboundMessage.objects.values_list("status", flat=True))
    delivered = _received_ids(smtp)
    not_enqueued = [r.getMessage() for r in caplog.records if r.name == "firms.tasks"]
    figures = {
        "outage_s": round(outage_s, 1),
        "approvals": n,
        "client_only": CLIENT_ONLY,
        "advisor_then_client": ADVISOR_FIRST,
        "requests_during_outage": len(during),
        "server_errors": len(requests.server_errors),
        "status_codes": dict(Counter(row[2] for row in during)),
        "slowest_request_s": round(max(row[3] for row in during), 2),
        "approvals_recorded": statuses.get(ApprovalStatus.APPROVED, 0),
        "signatures": signatures,
        "signed_pdfs_during_outage": pdfs_during,
        "signed_pdfs_by_the_sweep": len(pdfs_rendered),
        "pdf_sweeps": sweeps,
        "signed_pdfs": pdfs,
        "steps_still_active": waiting_steps,
        "outbox_messages": len(messages),
        "outbox_statuses": dict(outbox),
        "kinds": dict(Counter(messages.values())),
        "delivered": len(delivered),
        "delivered_twice": sum(1 for k in delivered.values() if k > 1),
        "lost": len(set(messages) - set(delivered)),
        "recovered_in_s": round(recovery_s, 1),
        "enqueues_left_to_the_sweep": len(not_enqueued),
        "cache_back_on_redis": cache_back,
        "test_s": round(time.monotonic() - started, 1),
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(
        json.dumps(
            {
                **figures,
                "slow_requests": [r for r in requests.log if r[3] > 1.0],
                "errors": requests.server_errors,
            },
            indent=2,
        )
    )
    assert requests.server_errors == [], figures
    assert statuses == {ApprovalStatus.APPROVED: n} and signatures == n and waiting_steps == 0, (
        figures
    )
    assert pdfs_during == 0 and len(set(pdfs_rendered)) == len(pdfs_rendered) == pdfs == n, (
        figures
    )  # each once
    # The failed publishes were logged with the task's name (and left to the sweep), the cache
    # said once that it degraded, and went back to Redis after the outage.
    left = ("notifications.tasks.outbound_message_send", "approvals.tasks.approvals_signature_pdf")
    assert not_enqueued and all(any(name in m for name in left) for m in not_enqueued), not_enqueued
    assert (
        sum("Redis cache unreachable" in r.getMessage() for r in caplog.records) == 1 and cache_back
    )
    assert recovered, (
        f"follow-ups not all sent after Redis returned: {figures}; worker log {worker}"
    )
    assert Counter(messages.values()) == {"proposal": n, "decision_approved": n}, figures
    assert set(delivered) == set(messages) and all(k == 1 for k in delivered.values()), figures


def test_a_publish_with_the_broker_down_is_bounded_logged_and_left_to_the_sweep(
    private_redis, monkeypatch, caplog
):  # noqa: F811
    """firms.tasks: with Redis gone a publish fails fast, names the task, and the next ones in
    the skip window cost nothing; with Redis back, publishing resumes."""
    from firms import tasks as enqueue
    from firms.tasks import heartbeat

    monkeypatch.setattr(enqueue, "_down_until", 0.0)
    assert enqueue.enqueue_now(heartbeat) is True
    private_redis.kill()
    started = time.monotonic()
    assert enqueue.enqueue_now(heartbeat) is False
    first_s = time.monotonic() - started
    started = time.monotonic()
    assert enqueue.enqueue_now(heartbeat) is False  # inside the skip window: not even tried
    second_s = time.monotonic() - started
    warnings = [r.getMessage() for r in caplog.records if r.name == "firms.tasks"]
    assert len(warnings) == 2 and all(
        "firms.tasks.heartbeat() not enqueued" in w for w in warnings
    ), warnings
    assert first_s < 1.5 and second_s < 0.05, (first_s, second_s)
    private_redis.start()
    monkeypatch.setattr(enqueue, "_down_until", 0.0)  # the skip window has passed
    assert enqueue.enqueue_now(heartbeat) is True


def test_the_cache_answers_from_memory_while_redis_is_down_and_goes_back_to_it(
    private_redis, caplog
):  # noqa: F811
    cache = caches["default"]
    cache.set("k", "from-redis")
    private_redis.kill()
    started = time.monotonic()
    assert cache.get("k") is None  # the memory cache never saw it
    cache.set("k", "from-memory")
    assert (
        cache.add("lock", 1) is True and cache.add("lock", 1) is False
    )  # allauth's lock still works
    cache.set("n", 1)
    assert cache.incr("n") == 2 and cache.get("k") == "from-memory" and cache.degraded
    assert time.monotonic() - started < 1.5
    assert (
        sum("Redis cache unreachable" in r.getMessage() for r in caplog.records) == 1
    )  # logged once
    private_redis.start()
    cache._down_until = 0.0  # the retry window has passed
    assert cache.get("k") is None and not cache.degraded  # Redis again (it restarted empty)
    cache.set("k", "redis-again")
    assert cache.get("k") == "redis-again" and "n" not in cache._fallback._cache
