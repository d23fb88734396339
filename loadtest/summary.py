"""Print the load test's figures as docs/RELIABILITY.md quotes them — per page requests,
failures, p50/p95/p99/max (ms), req/s — then the failures, leaks first, from the results file
the locustfile writes when Locust quits. Then check in the database that every approval the
clients made under load is recorded exactly once: approval approved, one signature with its
PDF, the client step approved by the client, one `approval.signed` and one `approval.approved`
audit entry; and that no other client signature was made during the run. With the CPU file of
loadtest/cpu_monitor.py, CPU per request of gunicorn, the Celery worker, PostgreSQL and Locust.
The signed PDFs are rendered by the worker after each signature commits: the check waits up to
PDF_WAIT_S for the last ones.
Usage: summary.py RESULTS.json [CPU.json]. Exit 1 on any failed request, leak or approval
problem."""

import json
import os
import sys
import time
from datetime import UTC
from pathlib import Path

PDF_WAIT_S = 60


def figures(results: dict) -> bool:
    print(
        f"{'page':38} {'requests':>8} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>7} "
        f"{'req/s':>6}"
    )
    for p in results["pages"]:
        name = f"{p['method']} {p['name']}".strip()
        print(
            f"{name[:38]:38} {p['requests']:>8} {p['failures']:>5} {p['p50']:>6.0f} "
            f"{p['p95']:>6.0f} {p['p99']:>6.0f} "
            f"{p['max']:>7.0f} {p['rps']:>6.1f}"
        )
    failures = sum(e["occurrences"] for e in results["errors"])
    print(
        f"failures: {failures}  cross-firm leaks: {results['leaks']}  ({results['seconds']:.0f} s "
        f"of requests)"
    )
    for e in results["errors"][:10]:
        print(f"  {e['occurrences']:>5} {e['method']} {e['name']}: {e['error'][:140]}")
    return failures == 0 and results["leaks"] == 0


def cpu(results: dict, server: dict | None) -> None:
    """CPU per request of each party sharing the machine (the load's own processes only)."""
    n = sum(p["requests"] for p in results["pages"] if p["name"] == "all") or 1
    parts = {"Locust": results.get("locust_cpu_s")}
    if server:
        parts = {
            "gunicorn": server["gunicorn_s"],
            "worker": server.get("worker_s"),
            "PostgreSQL": server["postgres_s"],
            **parts,
        }
    known = {k: v for k, v in parts.items() if v is not None}
    print(
        "CPU per request: "
        + ", ".join(f"{k} {v * 1000 / n:.1f} ms" for k, v in known.items())
        + f"; together {sum(known.values()) * 1000 / n:.1f} ms "
        + f"({sum(known.values()):.0f} CPU-s over {results['seconds']:.0f} s)"
    )


def approvals_checked(made: dict) -> bool:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rebalance_site.settings")
    import django

    django.setup()
    from datetime import datetime

    from approvals.choices import ApprovalStatus, StepRole, StepStatus
    from approvals.models import Approval, Signature
    from firms.models import AuditEntry
    from firms.selectors import firm_ids_all
    from firms.services.tenancy import firm_scope

    ids = made["approved"]
    start = datetime.fromtimestamp(made["started"], UTC)

    def without_pdf() -> int:
        missing = 0
        for firm_id in firm_ids_all():
            with firm_scope(firm_id):
                missing += Signature.objects.filter(approval_id__in=ids, pdf="").count()
        return missing

    deadline = time.monotonic() + PDF_WAIT_S
    while time.monotonic() < deadline and without_pdf():
        time.sleep(1)
    problems, found, signed_in_run = [], set(), 0
    for firm_id in firm_ids_all():
        with firm_scope(firm_id):
            signed_in_run += Signature.objects.filter(signed_at__gte=start).count()
            for approval in Approval.objects.filter(pk__in=ids).select_related(
                "proposal__account__client"
            ):
                found.add(approval.pk)
                signatures = list(Signature.objects.filter(approval=approval))
                step = approval.steps.get(role=StepRole.CLIENT)
                signed = AuditEntry.objects.filter(
                    event="approval.signed", payload__approval=approval.pk
                ).count()
                closed = AuditEntry.objects.filter(
                    event="approval.approved", object_type="Approval", object_id=str(approval.pk)
                ).count()
                if approval.status != ApprovalStatus.APPROVED:
                    problems.append(f"approval {approval.pk}: status {approval.status}")
                if len(signatures) != 1 or not signatures[0].pdf:
                    problems.append(
                        f"approval {approval.pk}: {len(signatures)} signature(s), pdf "
                        f"{bool(signatures and signatures[0].pdf)}"
                    )
                if (
                    step.status != StepStatus.APPROVED
                    or step.actor_id != approval.proposal.account.client.user_id
                ):
                    problems.append(
                        f"approval {approval.pk}: client step {step.status} by user {step.actor_id}"
                    )
                if (signed, closed) != (1, 1):
                    problems.append(
                        f"approval {approval.pk}: audit approval.signed ×{signed}, "
                        f"approval.approved ×{closed}"
                    )
    if len(ids) != len(set(ids)):
        problems.append(f"an approval was reported twice: {sorted(ids)}")
    if set(ids) - found:
        problems.append(f"not found: {sorted(set(ids) - found)}")
    if signed_in_run != len(set(ids)):
        problems.append(
            f"{signed_in_run} client signatures since the start, {len(set(ids))} approvals "
            f"reported by Locust"
        )
    if made["failed"]:
        problems.append(f"approvals that failed in Locust: {made['failed']}")
    bad = {p.split(":")[0] for p in problems if p.startswith("approval ")}
    print(
        f"approvals under load: {len(ids)} made of {made['waiting']} waiting; recorded exactly "
        f"once: {len(found) - len(bad)}; "
        f"client signatures during the run: {signed_in_run}"
    )
    for p in problems:
        print(f"  PROBLEM {p}")
    return not problems


if __name__ == "__main__":
    results = json.loads(Path(sys.argv[1]).read_text())
    ok = figures(results)
    server = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    cpu(results, json.loads(server.read_text()) if server and server.exists() else None)
    ok = approvals_checked(results["approvals"]) and ok
    sys.exit(0 if ok else 1)
