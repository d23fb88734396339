"""Benchmark of the stages after the scan, on the drift bench's book: compliance, approvals
routing and the first email of each routed proposal in the outbox (rendered, not sent), called
directly (no Celery: bench/bench_after_close.py times the whole run through workers).

Generates the drift bench's book (ACCOUNTS accounts, default 100000, LOTS as there) in a fresh
firm and runs the scan with proposals, then times:
  compliance_s  proposals_check on every draft, as the scan's task hands them over (one call
                with every id; the service batches internally);
  routing_s     approvals_start on the cleared ones: approvals, steps, portal links, the
                proposals moved to awaiting approval, and their first email in the outbox;
  notify_s      the share of routing_s spent on the outbox (facts read, emails rendered, rows
                written), as approvals_start reports it.
SETUP_ONLY=1 stops after the scan; REUSE=<firm slug> then skips generating and scanning and
times that firm's drafts (in a copy of the set-up database: CREATE DATABASE … TEMPLATE …).
A worker's once-per-process costs (the market calendar, the URL map, the email templates) are
paid before the clock starts, as a long-lived Celery worker has paid them. PROFILE=compliance
or PROFILE=routing prints that stage's profile. CLIENT_FIRST=1 makes every route start with
the client (every routed proposal's email in the outbox). Prints one JSON line last. Run:
    DATABASE_URL=… REDIS_URL=… .venv/bin/python bench/bench_compliance.py
"""

import contextlib
import cProfile
import json
import os
import pstats
import sys
import time

import bench_drift  # noqa: E402
from django.utils import timezone  # noqa: E402
from harness import bench_firm, peak_rss_mb  # noqa: I001  (sets Django up: import it first)

from approvals.services.start import approvals_start  # noqa: E402
from compliance.models import ComplianceReview  # noqa: E402
from compliance.services.checks import proposals_check  # noqa: E402
from compliance.signals import proposals_cleared  # noqa: E402
from drift.choices import ProposalStatus  # noqa: E402
from drift.models import Proposal  # noqa: E402
from drift.services.scan import drift_scan_run  # noqa: E402
from drift.signals import proposals_created  # noqa: E402
from firms.models import Firm  # noqa: E402
from firms.services.db_security import owner_role  # noqa: E402
from firms.services.tenancy import firm_scope  # noqa: E402
from notifications.models import OutboundMessage  # noqa: E402


def _quiet_handoffs() -> None:
    """The bench calls each stage itself: the receivers' enqueues would only pile tasks up in a
    broker nobody consumes here."""
    proposals_created.receivers = []
    proposals_cleared.receivers = []


@contextlib.contextmanager
def _profiled(stage: str):
    """PROFILE=<stage>: that stage under cProfile, its top functions printed to stderr."""
    if os.environ.get("PROFILE") != stage:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(30)


def _warm_up() -> None:
    """What a long-lived worker process has loaded before its first task."""
    from django.urls import reverse

    from drift.calc.wash_sale import trade_date
    from notifications.services.messages import notification_render  # noqa: F401

    trade_date(bench_drift.AS_OF)
    reverse("portal:link", args=["warm"])


def _client_first_routes(firm_id: int) -> None:
    """CLIENT_FIRST=1: every routing rule starts with the client, so every routed proposal
    writes its email to the outbox (the outbox at its largest)."""
    from approvals.models import RoutingRule
    from approvals.selectors import routing_rules_get

    routing_rules_get(firm_id=firm_id)
    RoutingRule.objects.update(steps=["client"])


def main() -> None:
    _quiet_handoffs()
    _warm_up()
    reuse = os.environ.get("REUSE")
    if reuse:
        with owner_role():  # reading a firm by slug is a platform act
            firm = Firm.objects.get(slug=reuse)
    else:
        firm = bench_firm("compliance")
        t = time.perf_counter()
        bench_drift.generate(firm.pk)
        print(
            f"generated {bench_drift.N} accounts in {time.perf_counter() - t:.1f}s", file=sys.stderr
        )
    with firm_scope(firm):
        if not reuse:
            t = time.perf_counter()
            drift_scan_run(firm_id=firm.pk, as_of=bench_drift.AS_OF)
            print(f"scan with proposals {time.perf_counter() - t:.1f}s", file=sys.stderr)
            print(f"firm slug: {firm.slug}", file=sys.stderr)
            if os.environ.get("SETUP_ONLY"):
                return
        ids = list(
            Proposal.objects.filter(status=ProposalStatus.DRAFT)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        t = time.perf_counter()
        with _profiled("compliance"):
            outcomes = proposals_check(firm_id=firm.pk, proposal_ids=ids)
        compliance_s = time.perf_counter() - t
        cleared = sorted(
            ComplianceReview.objects.filter(status="clear", proposal_id__in=ids).values_list(
                "proposal_id", flat=True
            )
        )
        if os.environ.get("CLIENT_FIRST"):
            _client_first_routes(firm.pk)
        timings: dict = {}
        t = time.perf_counter()
        with _profiled("routing"):
            routed = approvals_start(
                firm_id=firm.pk, now=timezone.now(), proposal_ids=cleared, timings=timings
            )
        routing_s = time.perf_counter() - t
        outbox = OutboundMessage.objects.filter(proposal_id__in=routed).count()
    print(
        json.dumps(
            {
                "bench": "compliance_routing",
                "accounts": bench_drift.N,
                "proposals": len(ids),
                "checked": len(outcomes),
                "cleared": len(cleared),
                "compliance_s": round(compliance_s, 3),
                "proposals_per_s": round(len(ids) / compliance_s, 1) if compliance_s else None,
                "routed": len(routed),
                "outbox": outbox,
                "routing_s": round(routing_s, 3),
                "notify_s": round(timings.get("notify_s", 0.0), 3),
                "routed_per_s": round(len(routed) / routing_s, 1) if routing_s else None,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
