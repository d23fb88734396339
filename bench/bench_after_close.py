"""Benchmark of the whole after-close run on real Celery workers: the drift bench's book
(bench_drift.generate, ACCOUNTS accounts x 20 positions, default 20000) goes from closing prices
to every proposal checked by compliance, routed for approval and its first message rendered in
the notifications outbox, through the tasks the beat starts (drift_scan_firm, then each stage's
receivers enqueue the next). WORKERS worker processes (default 2; solo pool, one process each)
are started by the bench on a queue of its own (bench/after_close_app.py) and stopped at the end.

Timed from the scan's enqueue to the last outbox row's commit (total_s). The stages overlap
(a shard's proposals are checked while other shards still scan), so each stage is reported as
its tail: the time from the previous stage's last row to its own last row.
  scan_s        start -> the scan's last shard committed (snapshots and proposals written);
  proposal_s    of which building proposals: the shards' build seconds, added up and divided by
                the processes that ran them (min(WORKERS, shards));
  compliance_s  -> the last compliance review;
  routing_s     -> the last approval started;
  notify_s      -> the last outbox row;
  proposals_per_s  proposals / total_s;
  peak_rss_mb   the largest peak resident memory of one worker process (its VmHWM, written by
                the worker after each task: bench/after_close_app.py);
  worker_cpu_s  the CPU seconds (user + system) of all worker processes together, start-up included;
  book_db_mb, run_db_mb  the database's growth by the generated book, and by the run (snapshots,
                proposals, trades, reviews, approvals, outbox rows of one day).
Prints one JSON line last.
Run: DATABASE_URL=… REDIS_URL=… .venv/bin/python bench/bench_after_close.py
"""
# ruff: noqa: I001, E402  (bench_drift imports harness, which sets Django up: it comes first)

import json
import os
import resource
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import bench_drift
from harness import bench_firm

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min

from approvals.models import Approval, ApprovalStep
from approvals.selectors import approval_settings_get, routing_rules_get
from compliance.models import ComplianceReview
from compliance.services.guard import ROUTABLE_REVIEWS
from compliance.services.rules import compliance_rules_ensure_defaults
from drift.choices import ProposalStatus
from drift.models import Proposal, ScanRun, ScanShard
from drift.services.rules import drift_rules_ensure_defaults
from firms.services.tenancy import firm_scope
from notifications.models import OutboundMessage

N = int(os.environ.get("ACCOUNTS", "20000"))
WORKERS = int(os.environ.get("WORKERS", "2"))
TIMEOUT_S = float(os.environ.get("AFTER_CLOSE_TIMEOUT_S", "3600"))
ROOT = Path(__file__).resolve().parent.parent
QUEUE = os.environ.setdefault("BENCH_QUEUE", f"bench-after-close-{os.getpid()}")
bench_drift.N = N  # the generator reads the module's size


def start_workers() -> list[subprocess.Popen]:
    env = dict(
        os.environ,
        BENCH_QUEUE=QUEUE,
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "after_close_app",
                "worker",
                "--pool=solo",
                "-Q",
                QUEUE,
                "-n",
                f"after-close-{i}@%h",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=None,
        )
        for i in range(WORKERS)
    ]


def database_mb() -> float:
    """The database's size on disk (the bench's database is its own: the growth is the firm's)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        return cur.fetchone()[0] / 2**20


def wait_ready(app) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        names = [f"after-close-{i}@{socket.gethostname()}" for i in range(WORKERS)]
        if len(app.control.ping(destination=names, timeout=1.0) or []) >= WORKERS:
            return
    raise SystemExit("after_close: the workers did not start")


def stop_workers(workers: list[subprocess.Popen]) -> tuple[float, float]:
    for w in workers:
        w.terminate()
    for w in workers:
        try:
            w.wait(timeout=60)
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()
    from after_close_app import HWM_DIR

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    files = list(HWM_DIR.glob(f"{QUEUE}-*.hwm"))
    peak = max((float(f.read_text()) for f in files), default=0.0)
    for f in files:
        f.unlink()
    return peak, round(used.ru_utime + used.ru_stime, 1)


def purge(app) -> None:
    with app.connection_for_write() as conn:
        for queue in (QUEUE, f"{QUEUE}-outbox"):
            try:
                conn.default_channel.queue_purge(queue)
            except Exception as exc:  # a queue never declared: nothing to purge
                print(f"purge {queue}: {exc}", file=sys.stderr)


def progress(as_of) -> dict:
    """Where the run is (inside the firm's scope). The bench's own counts run without nested
    loops: with autovacuum off (this shared server), statistics of tables that grew from
    nothing during the run can make the planner nest a loop over 320,000 proposals (seen at
    1,000,000 accounts: one poll ran for minutes). The workers' statements are untouched."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL enable_nestloop = off")
        return _progress(as_of)


def _progress(as_of) -> dict:
    run = ScanRun.objects.filter(as_of=as_of).first()
    scan = Proposal.objects.filter(as_of=as_of, source="scan")
    client_first = Approval.objects.filter(
        proposal__in=scan, steps__position=0, steps__role="client"
    )
    return {
        "run": run.status if run else None,
        "shards_done": ScanShard.objects.filter(run=run, done=True).count() if run else 0,
        "proposals": scan.count(),
        "draft": scan.filter(status=ProposalStatus.DRAFT).count(),
        "unrouted": scan.filter(status=ProposalStatus.CHECKED, approval__isnull=True)
        .filter(compliance_review__status__in=ROUTABLE_REVIEWS)
        .count(),
        "client_first": client_first.count(),
        "messages": OutboundMessage.objects.filter(proposal__in=scan)
        .values("proposal_id")
        .distinct()
        .count(),
    }


def finished(p: dict) -> bool:
    return (
        p["run"] == "done"
        and p["draft"] == 0
        and p["unrouted"] == 0
        and p["messages"] >= p["client_first"]
    )


def main() -> None:
    from after_close_app import app

    firm = bench_firm("after_close")
    t = time.perf_counter()
    empty_mb = database_mb()
    bench_drift.generate(firm.pk)
    book_mb = database_mb()
    print(f"generated {N} accounts in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    as_of = bench_drift.AS_OF
    with firm_scope(firm):
        # What a firm has before its first run: the shipped rules, written once (the stages
        # would each write them on first use, racing one another across workers).
        drift_rules_ensure_defaults(firm_id=firm.pk)
        compliance_rules_ensure_defaults(firm_id=firm.pk)
        routing_rules_get(firm_id=firm.pk)
        approval_settings_get(firm_id=firm.pk)
    workers = start_workers()
    wait_ready(app)  # the clock starts once every worker listens
    from drift.tasks import drift_scan_firm

    started = datetime.now(UTC)
    t0 = time.perf_counter()
    drift_scan_firm.apply_async(
        kwargs={"firm_id": firm.pk, "as_of": as_of.isoformat()}, queue=QUEUE
    )
    last_report = 0.0
    try:
        with firm_scope(firm):
            while True:
                p = progress(as_of)
                if finished(p):
                    break
                if time.perf_counter() - t0 > TIMEOUT_S:
                    raise SystemExit(f"after_close: not finished in {TIMEOUT_S:.0f}s: {p}")
                if time.perf_counter() - last_report > 30:
                    print(f"{time.perf_counter() - t0:.0f}s {p}", file=sys.stderr)
                    last_report = time.perf_counter()
                time.sleep(max(0.5, N / 200_000))  # the poll's counts grow with the firm
    finally:
        peak, worker_cpu_s = stop_workers(workers)
        purge(app)
    run_mb = database_mb()
    with firm_scope(firm):
        run = ScanRun.objects.get(as_of=as_of)
        scan = Proposal.objects.filter(as_of=as_of, source="scan")
        reviewed = ComplianceReview.objects.filter(proposal__in=scan).aggregate(
            last=Max("checked_at")
        )["last"]
        routed = Approval.objects.filter(proposal__in=scan).aggregate(last=Max("started_at"))[
            "last"
        ]
        mail = OutboundMessage.objects.filter(proposal__in=scan).aggregate(
            last=Max("created_at"), first=Min("created_at")
        )["last"]
        proposals = scan.count()
        shards = list(ScanShard.objects.filter(run=run).values_list("counts", flat=True))
        checked = scan.exclude(status=ProposalStatus.DRAFT).count()
        routed_n = Approval.objects.filter(proposal__in=scan).count()
        messages = OutboundMessage.objects.filter(proposal__in=scan).count()
        steps = ApprovalStep.objects.filter(approval__proposal__in=scan, position=0).count()
    marks = [started, run.finished_at, reviewed or run.finished_at]
    marks.append(routed or marks[-1])
    marks.append(mail or marks[-1])
    for i in range(1, len(marks)):  # a stage with no rows ends where the one before it did
        marks[i] = max(marks[i], marks[i - 1])
    tails = [(b - a).total_seconds() for a, b in zip(marks, marks[1:])]
    total_s = (marks[-1] - started).total_seconds()
    build = sum(c.get("timings", {}).get("proposals_s", 0) for c in shards)
    print(
        f"shards {len(shards)}, proposals {proposals}, checked {checked}, routed {routed_n} "
        f"(first steps {steps}), outbox rows {messages}",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {
                "bench": "after_close",
                "accounts": N,
                "proposals": proposals,
                "workers": WORKERS,
                "shards": len(shards),
                "shard_size": settings.DRIFT_SCAN_SHARD_SIZE,
                "scan_s": round(tails[0], 3),
                "proposal_s": round(build / max(1, min(WORKERS, len(shards))), 3),
                "compliance_s": round(tails[1], 3),
                "routing_s": round(tails[2], 3),
                "notify_s": round(tails[3], 3),
                "total_s": round(total_s, 3),
                "proposals_per_s": round(proposals / total_s, 1) if total_s else None,
                "peak_rss_mb": peak,
                "worker_cpu_s": worker_cpu_s,
                "book_db_mb": round(book_mb - empty_mb, 1),
                "run_db_mb": round(run_mb - book_mb, 1),
                "routed": routed_n,
                "messages": messages,
            }
        )
    )


if __name__ == "__main__":
    main()
