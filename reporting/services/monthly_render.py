"""The monthly report as files: CSV (one section after another, each with its own header row,
cells made safe by reporting.calc.safe_csv) and PDF (weasyprint: cover, totals, inline-SVG
charts, tables). Rendering only; storing the files is reporting.services.monthly."""

from django.template.loader import render_to_string
from django.utils import timezone

from drift.choices import RuleKind, Severity
from trading.choices import PauseScope

from ..calc import charts
from ..calc.safe_csv import csv_bytes

ACTIVITY = [
    ("accounts_total", "Accounts"),
    ("proposals", "Proposals created"),
    ("accounts_with_proposals", "Accounts with a proposal"),
    ("executions", "Proposals executed"),
    ("accounts_executed", "Accounts rebalanced"),
    ("proposals_per_account", "Proposals per account"),
    ("executions_per_account", "Executions per account"),
    ("avg_drift_before", "Average drift before (pp)"),
    ("avg_drift_after", "Average drift after (pp)"),
]
APPROVALS = [
    ("decided", "Approvals decided"),
    ("approved", "Approved"),
    ("approval_rate", "Approval rate (%)"),
    ("median_hours_to_approve", "Median time to approve (hours)"),
    ("timeouts", "Timeouts"),
    ("escalations", "Escalations"),
]


def _rows(figures: dict, firm_name: str):
    yield ["Monthly compliance report", firm_name, figures["month"].strftime("%B %Y")]
    yield []
    yield ["section", "metric", "value"]
    for key, label in ACTIVITY:
        yield ["activity", label, figures["activity"][key]]
    for key, label in APPROVALS:
        yield ["approvals", label, figures["approvals"][key]]
    for section, title in (("by_advisor", "Advisor"), ("by_account_type", "Account type")):
        yield []
        yield [title, "decided", "approved", "timeouts", "approval rate (%)"]
        for r in figures["rates"][section]:
            yield [r["group"], r["decided"], r["approved"], r["timeouts"], r["approval_rate"]]
    yield from _compliance_rows(figures)
    head = figures.get("audit_head")
    if head:
        yield []
        yield ["Audit chain head", "seq", "hash", "entries", "published at", "signature"]
        yield [
            "audit",
            head["seq"],
            head["hash"],
            head["count"],
            head["published_at"],
            head["signature"],
        ]


def _compliance_rows(figures: dict):
    yield []
    yield ["Compliance check", "severity", "failed"]
    for f in figures["compliance"]["flags"]:
        yield [f["kind"], f["severity"], f["n"]]
    yield []
    yield ["Override: account", "version", "officer", "decided at", "reason"]
    for o in figures["compliance"]["overrides"]:
        yield [o["account"], o["version"], o["officer_email"], o["decided_at"], o["reason"]]
    yield []
    yield ["Kill switch: scope", "what", "paused at", "resumed at", "paused by", "reason"]
    for p in figures["pauses"]:
        what = p["custodian_name"] or p["model_name"] or p["account_number"] or "whole firm"
        yield [
            p["scope"],
            what,
            p["paused_at"],
            p["resumed_at"] or "still paused",
            p["by"],
            p["reason"],
        ]
    yield []
    yield ["Tolerance widening: factor", "from", "to", "reason"]
    for w in figures["widenings"]:
        yield [w["factor"], w["start"], w["end"], w["reason"]]


def monthly_csv_bytes(figures: dict, *, firm_name: str) -> bytes:
    return csv_bytes(_rows(figures, firm_name))


def monthly_html(figures: dict, *, firm_name: str, version: int) -> str:
    return render_to_string(
        "reporting/monthly_report_pdf.html",
        {
            "f": figures,
            "firm_name": firm_name,
            "version": version,
            "generated_at": timezone.now(),
            # The facts keep codes (`wash_sale`, `block`, `custodian`); the PDF prints labels.
            "labels": {
                "kind": dict(RuleKind.choices),
                "severity": dict(Severity.choices),
                "scope": dict(PauseScope.choices),
            },
            "daily_chart": charts.daily_drift_chart(figures["daily_drift"]),
            "drift_chart": charts.drift_before_after_chart(figures["activity"]),
            "advisor_chart": charts.rate_chart(
                figures["rates"]["by_advisor"], title="Approval rate by advisor"
            ),
            "type_chart": charts.rate_chart(
                figures["rates"]["by_account_type"], title="Approval rate by account type"
            ),
        },
    )


def monthly_pdf_bytes(figures: dict, *, firm_name: str, version: int) -> bytes:
    from weasyprint import HTML

    return HTML(string=monthly_html(figures, firm_name=firm_name, version=version)).write_pdf()
