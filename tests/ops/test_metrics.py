"""/metrics: for the operator's scraper only (a bearer token; refused to everyone when the
token is unset, and to every firm's users whatever their role), and the product's series with
the right values for a small world of two firms, read in one statement whatever the number
of firms."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from approvals.choices import ApprovalStatus
from approvals.models import Approval
from approvals.services import approvals_start
from drift.choices import ProposalStatus
from drift.models import Proposal, ScanRun
from firms.choices import Role
from firms.services.api_tokens import api_token_create
from firms.services.tenancy import firm_scope
from notifications.choices import MessageStatus
from notifications.models import OutboundMessage
from tests.approvals.helpers import DAY, checked
from tests.ops.helpers import unused_port
from trading.choices import BatchStatus
from trading.models import Batch

pytestmark = pytest.mark.django_db
TOKEN = "scrape-me-4b1d9c"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN


def _scrape(client) -> dict[str, dict[tuple, float]]:
    """{metric name: {sorted label items: value}} of one scrape."""
    response = client.get("/metrics", **AUTH)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    series: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            series.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return series


# --- who may read it --------------------------------------------------------------------


def test_with_no_token_configured_everything_is_refused(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403
    assert client.get("/metrics", **AUTH).status_code == 403


def test_anonymous_and_wrong_tokens_are_refused(client, metrics_on):
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    assert b"rebalance_" not in anonymous.content
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Token {TOKEN}").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 401
    assert client.post("/metrics", **AUTH).status_code == 405


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.CLIENT])
def test_no_firm_user_reads_the_metrics_whatever_their_role(
    client, login, members_a, metrics_on, role
):
    """The series span every firm: they are the operator's, never a firm's (not even its admin's,
    with a session or with an API token)."""
    member = members_a[role]
    assert login(member).get("/metrics").status_code == 401
    client.logout()
    api = {"HTTP_AUTHORIZATION": f"Token {api_token_create(member.user)}"}
    assert client.get("/metrics", **api).status_code == 401


# --- what it says -------------------------------------------------------------------------


@pytest.fixture
def two_firm_world(firm_a, firm_b):
    """Firm A: three routed proposals whose approvals fall in three deadline buckets, one
    finished scan of a known length. Firm B: two finished scans and one running, batches that
    ended two ways, an outbox with failures and a backlog."""
    now = timezone.now()
    book, ids = checked(firm_a, n=3)
    with firm_scope(firm_a):
        approvals_start(firm_id=firm_a.pk, now=now)
        deadlines = [now - timedelta(hours=2), now + timedelta(hours=5), now + timedelta(days=5)]
        for approval, deadline in zip(Approval.objects.order_by("pk"), deadlines):
            Approval.objects.filter(pk=approval.pk).update(deadline=deadline)
        ScanRun.objects.filter(as_of=DAY).update(
            started_at=now - timedelta(seconds=3600 + 42), finished_at=now - timedelta(hours=1)
        )
        # One more proposal still a draft, one long superseded (ended: not counted)
        Proposal.objects.filter(pk=ids[0]).update(status=ProposalStatus.SUPERSEDED)
    with firm_scope(firm_b):
        for days_ago, status, ran_s in ((3, "done", 7), (2, "done", 9), (1, "running", None)):
            started = now - timedelta(days=days_ago)
            run = ScanRun.objects.create(firm=firm_b, as_of=DAY - timedelta(days=days_ago))
            ScanRun.objects.filter(pk=run.pk).update(
                status=status,
                started_at=started,
                finished_at=started + timedelta(seconds=ran_s) if ran_s else None,
            )
        for days_ago, status in ((1, BatchStatus.DONE), (2, BatchStatus.DONE), (3, "failed")):
            Batch.objects.create(
                firm=firm_b, trade_date=DAY - timedelta(days=days_ago), status=status
            )
        for i, (status, age_s) in enumerate(
            [(MessageStatus.FAILED, 10), (MessageStatus.FAILED, 20), (MessageStatus.PENDING, 900)]
            + [(MessageStatus.PENDING, 30), (MessageStatus.SENT, 5000)]
        ):
            OutboundMessage.objects.create(
                firm=firm_b,
                recipient=f"c{i}@bravo.test",
                kind="reminder",
                subject="s",
                body_html="b",
                body_text="b",
                dedupe_key=f"k{i}",
                status=status,
                created_at=now - timedelta(seconds=age_s),
            )
    return now


def _expected_open_proposals(firm) -> dict[str, int]:
    from django.db.models import Count

    from drift.choices import OPEN_STATUSES

    with firm_scope(firm):
        rows = Proposal.objects.filter(status__in=OPEN_STATUSES).values("status")
        return {r["status"]: r["n"] for r in rows.annotate(n=Count("id"))}


def _expected_outbox_pending(firm) -> int:
    with firm_scope(firm):
        return OutboundMessage.objects.filter(status=MessageStatus.PENDING).count()


def test_the_products_series_for_two_firms(client, metrics_on, firm_a, firm_b, two_firm_world):
    series = _scrape(client)
    a, b = str(firm_a.pk), str(firm_b.pk)

    age = series["rebalance_drift_scan_last_age_seconds"]
    assert age[(("firm_id", a),)] == pytest.approx(3600, abs=30)
    assert age[(("firm_id", b),)] == pytest.approx(2 * 86400 - 9, abs=30)  # the later done run
    duration = series["rebalance_drift_scan_last_duration_seconds"]
    assert duration == {(("firm_id", a),): pytest.approx(42), (("firm_id", b),): pytest.approx(9)}

    proposals = {
        (dict(k)["firm_id"], dict(k)["status"]): v for k, v in series["rebalance_proposals"].items()
    }
    expected = {(a, s): n for s, n in _expected_open_proposals(firm_a).items()}
    assert proposals == expected
    assert (a, ProposalStatus.SUPERSEDED) not in proposals  # ended: not a pipeline stage
    assert sum(proposals.values()) == 2  # the two still awaiting their approval

    approvals = {dict(k)["deadline"]: v for k, v in series["rebalance_approvals_pending"].items()}
    with firm_scope(firm_a):
        still_pending = Approval.objects.filter(status=ApprovalStatus.PENDING).count()
    assert sum(approvals.values()) == still_pending
    assert set(approvals) <= {"overdue", "under_24h", "under_72h", "later"}
    assert {dict(k)["firm_id"] for k in series["rebalance_approvals_pending"]} == {a}

    batches = {
        (dict(k)["firm_id"], dict(k)["status"]): v
        for k, v in series["rebalance_trade_batches"].items()
    }
    assert batches == {(b, "done"): 2, (b, "failed"): 1}

    outbox = {
        (dict(k)["firm_id"], dict(k)["status"]): v
        for k, v in series["rebalance_outbox_messages"].items()
    }
    assert outbox[(b, "failed")] == 2 and outbox[(b, "pending")] == 2
    assert (b, "sent") not in outbox
    assert outbox.get((a, "pending"), 0) == _expected_outbox_pending(firm_a)
    oldest = series["rebalance_outbox_oldest_pending_age_seconds"]
    assert oldest[(("firm_id", b),)] == pytest.approx(900, abs=30)

    assert series["rebalance_celery_queue_length"][(("queue", "celery"),)] >= 0
    assert series["rebalance_metrics_source_up"] == {
        (("source", "database"),): 1,
        (("source", "redis"),): 1,
    }


def test_approvals_fall_in_their_deadline_buckets(client, metrics_on, firm_a, two_firm_world):
    """Buckets: overdue, under 24 h, under 72 h, later (each approval set explicitly)."""
    now = two_firm_world
    with firm_scope(firm_a):
        pks = list(Approval.objects.order_by("pk").values_list("pk", flat=True))
        Approval.objects.filter(pk__in=pks).update(status=ApprovalStatus.PENDING)
        for pk, deadline in zip(
            pks, [now - timedelta(minutes=1), now + timedelta(hours=23), now + timedelta(hours=71)]
        ):
            Approval.objects.filter(pk=pk).update(deadline=deadline)
    approvals = _scrape(client)["rebalance_approvals_pending"]
    a = str(firm_a.pk)
    assert approvals == {
        (("deadline", "overdue"), ("firm_id", a)): 1,
        (("deadline", "under_24h"), ("firm_id", a)): 1,
        (("deadline", "under_72h"), ("firm_id", a)): 1,
    }


def test_no_firm_name_or_slug_is_ever_a_label(client, metrics_on, firm_a, firm_b, two_firm_world):
    body = client.get("/metrics", **AUTH).content.decode()
    for firm in (firm_a, firm_b):
        assert firm.name not in body and f'"{firm.slug}"' not in body
    assert "@bravo.test" not in body and "@alpha.test" not in body


def test_one_statement_whatever_the_number_of_firms(
    client, metrics_on, two_firm_world, django_assert_num_queries
):
    from firms.services.members import firm_create

    with django_assert_num_queries(1):
        client.get("/metrics", **AUTH)
    for i in range(5):
        firm = firm_create(name=f"Extra {i}", slug=f"extra-{i}")
        with firm_scope(firm):
            Batch.objects.create(firm=firm, trade_date=DAY, status=BatchStatus.DONE)
    with django_assert_num_queries(1):
        series = _scrape(client)
    assert len(series["rebalance_trade_batches"]) == 2 + 5


def test_queue_depth_counts_the_messages_waiting_in_redis(client, metrics_on, settings):
    from core.redis import redis_client

    queue = "ops-test-queue"
    settings.METRICS_CELERY_QUEUES = [queue]
    r = redis_client(settings.CELERY_BROKER_URL)
    r.delete(queue, queue + "\x06\x163")
    try:
        r.rpush(queue, "m1", "m2", "m3")
        r.rpush(queue + "\x06\x163", "m4")  # a prioritised message of the same queue
        assert _scrape(client)["rebalance_celery_queue_length"] == {(("queue", queue),): 4}
    finally:
        r.delete(queue, queue + "\x06\x163")


def test_a_redis_outage_is_reported_not_a_failed_scrape(client, metrics_on, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{unused_port()}/2"
    series = _scrape(client)
    assert series["rebalance_metrics_source_up"][(("source", "redis"),)] == 0
    assert series["rebalance_metrics_source_up"][(("source", "database"),)] == 1
    assert "rebalance_celery_queue_length" not in series


def test_the_request_metrics_of_django_prometheus_are_there(client, metrics_on):
    client.get("/healthz")
    series = _scrape(client)
    assert any(name.startswith("django_http_requests") for name in series)
