"""The beat's drift scan on a real Celery worker: the firm's run is cut into shards that the
worker runs from the queue, the last one finishing the run; the run is done once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from drift.models import DriftSnapshot, Proposal, ScanRun, ScanShard
from drift.tasks import drift_scan_firm
from firms.services.tenancy import firm_scope
from tests.drift.test_scan_shards import DAY, mixed_book
from tests.reliability.waiting import wait_until
from tests.worker.test_celery_worker import _test_database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_runs_every_shard_of_a_firms_scan_and_finishes_it_once(firm_a, firm_b):
    queue = f"scan-shards-{os.getpid()}"
    with firm_scope(firm_a):
        ids = mixed_book(firm_a)
    env = dict(
        os.environ,
        DATABASE_URL=_test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        DJANGO_DEBUG="1",
        DRIFT_SCAN_SHARD_SIZE="30",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "rebalance_site", "worker", "--pool=solo"]
        + ["-Q", queue, "--without-heartbeat", "--without-gossip", "--without-mingle"]
        + ["--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(2):  # a doubled message (a late beat) changes nothing
            drift_scan_firm.apply_async(
                kwargs={"firm_id": firm_a.pk, "as_of": DAY.isoformat()}, queue=queue
            )
        with firm_scope(firm_a):
            assert wait_until(lambda: ScanRun.objects.filter(status="done").exists(), 90)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    with firm_scope(firm_a):
        run = ScanRun.objects.get()
        assert run.shards == ScanShard.objects.filter(done=True).count() >= 3
        assert DriftSnapshot.objects.count() == len(ids) == run.counts["snapshots_written"]
        assert Proposal.objects.count() == run.counts["proposals"] > 0
    with firm_scope(firm_b):  # another firm sees nothing of it
        assert not ScanRun.objects.exists() and not ScanShard.objects.exists()
