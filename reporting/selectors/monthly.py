"""Everything the monthly compliance report states, read set-based: a fixed number of
aggregate queries per report whatever the size of the book."""

import statistics
from datetime import timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q

from approvals.choices import ApprovalStatus
from approvals.models import Approval
from compliance.choices import ReviewStatus
from compliance.models import CheckResult, ComplianceReview
from drift.choices import ProposalStatus
from drift.models import DriftSnapshot, Proposal, ToleranceWidening
from portfolios.choices import Registration
from portfolios.models import Account
from trading.models import ExecutionPause

from ..calc.decimals import HOURS, PP, q, rate, ratio
from ..calc.months import MonthWindow

EXECUTED = (ProposalStatus.EXECUTED, ProposalStatus.PARTIALLY_EXECUTED)
DECIDED = (ApprovalStatus.APPROVED, ApprovalStatus.DECLINED, ApprovalStatus.EXPIRED)
NO_ADVISOR = "(no advisor)"


def activity(w: MonthWindow) -> dict:
    """Rebalancing frequency and drift before/after, over proposals executed in the month."""
    created = Proposal.objects.filter(**w.during("created_at")).aggregate(
        proposals=Count("id"), accounts=Count("account_id", distinct=True)
    )
    executed = Proposal.objects.filter(
        status__in=EXECUTED, **w.during("status_changed_at")
    ).aggregate(
        executions=Count("id"),
        accounts=Count("account_id", distinct=True),
        before=Avg("drift_before"),
        after=Avg("drift_after"),
    )
    total = Account.objects.count()
    return {
        "accounts_total": total,
        "proposals": created["proposals"],
        "accounts_with_proposals": created["accounts"],
        "executions": executed["executions"],
        "accounts_executed": executed["accounts"],
        "proposals_per_account": ratio(created["proposals"], total),
        "executions_per_account": ratio(executed["executions"], total),
        "avg_drift_before": q(executed["before"], PP),
        "avg_drift_after": q(executed["after"], PP),
    }


def _decided(w: MonthWindow):
    return Approval.objects.filter(status__in=DECIDED, **w.during("decided_at"))


def _rate_rows(grouped, label) -> list[dict]:
    rows = [
        {
            "group": label(g),
            "decided": g["decided"],
            "approved": g["approved"],
            "timeouts": g["timeouts"],
            "approval_rate": rate(g["approved"], g["decided"]),
        }
        for g in grouped
    ]
    return sorted(rows, key=lambda r: r["group"])


def _advisor_label(g: dict) -> str:
    name = f"{g['first'] or ''} {g['last'] or ''}".strip()
    return name or g["email"] or NO_ADVISOR


def approval_rates(w: MonthWindow) -> dict:
    counts = {
        "decided": Count("id"),
        "approved": Count("id", filter=Q(status=ApprovalStatus.APPROVED)),
        "timeouts": Count("id", filter=Q(status=ApprovalStatus.EXPIRED)),
    }
    by_advisor = (
        _decided(w)
        .values(
            first=F("proposal__account__advisor__user__first_name"),
            last=F("proposal__account__advisor__user__last_name"),
            email=F("proposal__account__advisor__user__email"),
        )
        .annotate(**counts)
    )
    by_type = _decided(w).values(reg=F("proposal__account__registration")).annotate(**counts)
    labels = dict(Registration.choices)
    return {
        "by_advisor": _rate_rows(by_advisor, _advisor_label),
        "by_account_type": _rate_rows(by_type, lambda g: str(labels.get(g["reg"], g["reg"]))),
    }


def approval_timing(w: MonthWindow) -> dict:
    took = ExpressionWrapper(F("decided_at") - F("started_at"), output_field=DurationField())
    durations = list(
        _decided(w)
        .filter(status=ApprovalStatus.APPROVED)
        .annotate(took=took)
        .values_list("took", flat=True)
    )
    hours = [d / timedelta(hours=1) for d in durations]
    decided = _decided(w).aggregate(
        n=Count("id"),
        approved=Count("id", filter=Q(status=ApprovalStatus.APPROVED)),
        timeouts=Count("id", filter=Q(status=ApprovalStatus.EXPIRED)),
    )
    return {
        "decided": decided["n"],
        "approved": decided["approved"],
        "approval_rate": rate(decided["approved"], decided["n"]),
        "median_hours_to_approve": q(statistics.median(hours), HOURS) if hours else None,
        "timeouts": decided["timeouts"],
        "escalations": Approval.objects.filter(**w.during("escalated_at")).count(),
    }


def compliance_flags(w: MonthWindow) -> dict:
    flags = (
        CheckResult.objects.filter(passed=False, **w.during("checked_at"))
        .values("kind", "severity")
        .annotate(n=Count("id"))
        .order_by("kind", "severity")
    )
    overrides = (
        ComplianceReview.objects.filter(status=ReviewStatus.OVERRIDDEN, **w.during("decided_at"))
        .values(
            "decided_at",
            "reason",
            account=F("proposal__account__number"),
            version=F("proposal__version"),
            officer_email=F("officer__user__email"),
        )
        .order_by("decided_at")
    )
    return {"flags": list(flags), "overrides": list(overrides)}


def _overlapping(qs, start_field: str, end_field: str, start, end):
    return qs.filter(**{f"{start_field}__lt": end}).filter(
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": start})
    )


def kill_switch_periods(w: MonthWindow) -> list[dict]:
    pauses = _overlapping(ExecutionPause.objects.all(), "paused_at", "resumed_at", w.start, w.end)
    return list(
        pauses.values(
            "scope",
            "reason",
            "paused_at",
            "resumed_at",
            custodian_name=F("custodian__name"),
            model_name=F("model__name"),
            account_number=F("account__number"),
            by=F("paused_by__user__email"),
        ).order_by("paused_at")
    )


def widenings(w: MonthWindow) -> list[dict]:
    rows = ToleranceWidening.objects.filter(start__lte=w.last_day, end__gte=w.month).order_by(
        "start"
    )
    return list(rows.values("factor", "start", "end", "reason"))


def daily_drift(w: MonthWindow) -> list[dict]:
    rows = (
        DriftSnapshot.objects.filter(as_of__gte=w.month, as_of__lte=w.last_day)
        .values("as_of")
        .annotate(avg=Avg("portfolio_drift"), breached=Count("id", filter=Q(breached=True)))
        .order_by("as_of")
    )
    return [
        {"as_of": r["as_of"], "avg_drift": q(r["avg"], PP), "breached": r["breached"]} for r in rows
    ]


def monthly_figures(*, window: MonthWindow) -> dict:
    """The whole report's content; runs inside the firm's scope (app filter + RLS)."""
    return {
        "month": window.month,
        "activity": activity(window),
        "approvals": approval_timing(window),
        "rates": approval_rates(window),
        "compliance": compliance_flags(window),
        "pauses": kill_switch_periods(window),
        "widenings": widenings(window),
        "daily_drift": daily_drift(window),
    }
