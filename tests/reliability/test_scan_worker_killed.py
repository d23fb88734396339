"""A real Celery worker SIGKILLed in the middle of a scan shard, then a fresh worker.

The test holds the firm's audit-chain lock, so the worker stops inside a shard's transaction
after writing its snapshots and proposals and before the commit; it is then killed. Nothing
of that shard may remain, the shard done before it stays done, and a fresh worker (enqueued as
the due check does) finishes the run: every account scanned once, no proposal twice, the run
done once."""

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import transaction

from core import locks
from drift.models import DriftSnapshot, Proposal, ScanRun, ScanShard
from drift.services.scan_shards import scan_plan, scan_shard_run
from drift.tasks import drift_scan_firm
from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
from tests.drift.test_scan_shards import DAY, mixed_book
from tests.reliability.waiting import wait_until
from tests.worker.test_celery_worker import _test_database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.heavy, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _worker(queue: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=_test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        DJANGO_DEBUG="1",
        DRIFT_SCAN_SHARD_SIZE="25",
        DRIFT_SCAN_SHARD_REDO_S="0",  # the run enqueues every pending shard again at once
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "rebalance_site",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _waiting_on_advisory_lock(session) -> bool:
    """Some session of the test database waits for an advisory lock (asked as the owner, who
    sees every session's wait)."""
    row = session.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
    ).fetchone()
    return row[0] > 0


def _shards_free(n: int) -> bool:
    """No session holds a shard row any more (the killed worker's backend has gone)."""
    with transaction.atomic():
        return ScanShard.objects.select_for_update(skip_locked=True).count() == n


def test_a_worker_killed_mid_shard_leaves_the_run_to_finish_once(firm_a):
    queue = f"scan-kill-{os.getpid()}"
    with firm_scope(firm_a):
        ids = mixed_book(firm_a)
        run, shards = scan_plan(firm_id=firm_a.pk, as_of=DAY, shard_size=25)
        assert len(shards) >= 3
        scan_shard_run(firm_id=firm_a.pk, shard_id=shards[0])  # one shard done before the kill
        first = set(ScanShard.objects.get(pk=shards[0]).account_ids)

    holder = psycopg.connect(_test_database_url(), autocommit=True)  # a session of its own
    holder.execute("SELECT pg_advisory_lock(%s, %s)", [locks.AUDIT_CHAIN, firm_a.pk])
    killed = _worker(queue)
    try:
        drift_scan_firm.apply_async(
            kwargs={"firm_id": firm_a.pk, "as_of": DAY.isoformat()}, queue=queue
        )
        assert wait_until(lambda: _waiting_on_advisory_lock(holder), 60), (
            "no shard reached its commit"
        )
    finally:
        killed.send_signal(signal.SIGKILL)  # no cleanup, no acknowledgement
        killed.wait(timeout=30)
        holder.close()  # the session lock goes with it

    with firm_scope(firm_a):
        assert wait_until(lambda: _shards_free(len(shards)), 30)
        assert ScanRun.objects.get().status == "running"
        assert list(ScanShard.objects.filter(done=True).values_list("pk", flat=True)) == [shards[0]]
        # The killed shard's snapshots and proposals were rolled back with its transaction.
        assert set(DriftSnapshot.objects.values_list("account_id", flat=True)) == first
        assert set(Proposal.objects.values_list("account_id", flat=True)) <= first

    fresh = _worker(queue)
    try:
        drift_scan_firm.apply_async(  # what the due check does for a stalled run
            kwargs={"firm_id": firm_a.pk, "as_of": DAY.isoformat()}, queue=queue
        )
        with firm_scope(firm_a):
            assert wait_until(lambda: ScanRun.objects.get().status == "done", 90), (
                "the run did not finish after the restart"
            )
    finally:
        fresh.terminate()
        fresh.wait(timeout=30)

    with firm_scope(firm_a):
        run = ScanRun.objects.get()
        assert ScanShard.objects.filter(done=False).count() == 0
        snapshots = Counter(DriftSnapshot.objects.values_list("account_id", flat=True))
        assert set(snapshots) == set(ids) and set(snapshots.values()) == {1}
        per_account = Counter(Proposal.objects.values_list("account_id", "as_of"))
        assert per_account and set(per_account.values()) == {1}
        assert run.counts["proposals"] == Proposal.objects.count()
        assert run.counts["snapshots_written"] == len(ids)
        events = Counter(AuditEntry.objects.values_list("event", flat=True))
        assert events["drift.scan_done"] == 1
        assert events["proposals.created"] == sum(
            1 for c in ScanShard.objects.values_list("counts", flat=True) if c["proposals"]
        )
