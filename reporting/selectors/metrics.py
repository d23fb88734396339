"""The metrics dashboard: approval rate, time to approve, approval-to-fill time and
drift reduction, grouped by advisor, account type, segment or month, and where proposals wait
longest. Each grouping is one SQL statement over the firm's rows (RLS applies), so the query
count does not grow with the book."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from approvals.choices import StepRole
from drift.choices import ProposalStatus
from portfolios.choices import Registration, Segment

from ..calc.decimals import HOURS, PP, q, rate

_FACTS = """
WITH fills AS (
  SELECT o.proposal_id, MIN(f.received_at) AS first_fill
  FROM trading_order o JOIN trading_fill f ON f.block_id = o.block_id
  WHERE o.firm_id = %(f)s GROUP BY o.proposal_id
), facts AS (
  SELECT a.registration, a.segment,
    COALESCE(
      NULLIF(TRIM(u.first_name || ' ' || u.last_name), ''), u.email, '(no advisor)'
    ) AS advisor,
    to_char(ap.decided_at AT TIME ZONE 'America/New_York', 'YYYY-MM') AS month,
    ap.status AS ap_status, p.status, p.drift_before, p.drift_after,
    EXTRACT(EPOCH FROM ap.decided_at - ap.started_at) / 3600.0 AS hours_to_decide,
    EXTRACT(EPOCH FROM fl.first_fill - ap.decided_at) / 3600.0 AS hours_to_fill
  FROM approvals_approval ap
  JOIN drift_proposal p ON p.id = ap.proposal_id
  JOIN portfolios_account a ON a.id = p.account_id
  LEFT JOIN firms_membership m ON m.id = a.advisor_id
  LEFT JOIN auth_user u ON u.id = m.user_id
  LEFT JOIN fills fl ON fl.proposal_id = p.id
  WHERE ap.firm_id = %(f)s AND ap.status IN ('approved', 'declined', 'expired')
    AND ap.decided_at >= %(start)s AND ap.decided_at < %(end)s
)
SELECT {dim} AS grp, COUNT(*) AS decided,
  COUNT(*) FILTER (WHERE ap_status = 'approved') AS approved,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY hours_to_decide)
    FILTER (WHERE ap_status = 'approved') AS median_hours,
  AVG(hours_to_fill) AS avg_fill_hours,
  AVG(drift_before) FILTER (WHERE status IN ('executed', 'partially_executed')) AS drift_before,
  AVG(drift_after) FILTER (WHERE status IN ('executed', 'partially_executed')) AS drift_after
FROM facts GROUP BY 1 ORDER BY 1
"""
DIMENSIONS = {
    "advisor": "advisor",
    "account_type": "registration",
    "segment": "segment",
    "month": "month",
}
_LABELS = {"account_type": dict(Registration.choices), "segment": dict(Segment.choices)}

# Where proposals wait: for every decided step, the time since the step before it (or since
# routing started) — and for proposals still open, how long they have sat in their state.
_STEP_WAITS = """
SELECT role, COUNT(*) AS n, AVG(wait) AS avg_hours, MAX(wait) AS max_hours FROM (
  SELECT s.role, EXTRACT(EPOCH FROM s.acted_at - COALESCE(
      LAG(s.acted_at) OVER (PARTITION BY s.approval_id ORDER BY s.position), ap.started_at
    )) / 3600.0 AS wait
  FROM approvals_approvalstep s JOIN approvals_approval ap ON ap.id = s.approval_id
  WHERE s.firm_id = %(f)s AND s.acted_at IS NOT NULL
    AND ap.started_at >= %(start)s AND ap.started_at < %(end)s
) w GROUP BY role ORDER BY avg_hours DESC NULLS LAST
"""
_OPEN_WAITS = """
SELECT status, COUNT(*) AS n,
  AVG(EXTRACT(EPOCH FROM %(now)s - status_changed_at)) / 3600.0 AS avg_hours,
  MAX(EXTRACT(EPOCH FROM %(now)s - status_changed_at)) / 3600.0 AS max_hours
FROM drift_proposal WHERE firm_id = %(f)s
  AND status IN (
    'draft', 'flagged', 'checked', 'awaiting_approval', 'approved', 'queued', 'submitted'
  )
GROUP BY status ORDER BY avg_hours DESC
"""


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime


def _fetch(sql: str, params: dict) -> list[dict]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        names = [c.name for c in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def _metric_row(r: dict, labels: dict) -> dict:
    before, after = r["drift_before"], r["drift_after"]
    return {
        "group": str(labels.get(r["grp"], r["grp"])),
        "decided": r["decided"],
        "approved": r["approved"],
        "approval_rate": rate(r["approved"], r["decided"]),
        "median_hours_to_approve": q(r["median_hours"], HOURS),
        "avg_hours_to_fill": q(r["avg_fill_hours"], HOURS),
        "drift_before": q(before, PP),
        "drift_after": q(after, PP),
        "drift_reduction": q(before - after, PP)
        if before is not None and after is not None
        else None,
    }


def metrics_by(*, firm_id: int, period: Period, dimension: str) -> list[dict]:
    sql = _FACTS.format(dim=DIMENSIONS[dimension])
    rows = _fetch(sql, {"f": firm_id, "start": period.start, "end": period.end})
    return [_metric_row(r, _LABELS.get(dimension, {})) for r in rows]


def _wait_rows(rows: list[dict], key: str, labels: dict) -> list[dict]:
    return [
        {
            "where": r[key],
            "label": str(labels.get(r[key], r[key])),
            "n": r["n"],
            "avg_hours": q(r["avg_hours"], HOURS),
            "max_hours": q(r["max_hours"], HOURS),
        }
        for r in rows
    ]


def bottlenecks(*, firm_id: int, period: Period, now: datetime) -> dict:
    params = {"f": firm_id, "start": period.start, "end": period.end, "now": now}
    return {
        "steps": _wait_rows(_fetch(_STEP_WAITS, params), "role", dict(StepRole.choices)),
        "open": _wait_rows(_fetch(_OPEN_WAITS, params), "status", dict(ProposalStatus.choices)),
    }


def dashboard(*, firm_id: int, period: Period, now: datetime) -> dict:
    """Everything the dashboard shows: 6 statements whatever the size of the book."""
    return {
        **{dim: metrics_by(firm_id=firm_id, period=period, dimension=dim) for dim in DIMENSIONS},
        "bottlenecks": bottlenecks(firm_id=firm_id, period=period, now=now),
    }


def period_from(params, *, today=None) -> Period:
    """?months=N (1–24, default 6): the last N whole or running months, New York time."""
    from django.utils import timezone

    from ..calc.months import month_window, next_month

    try:
        months = min(max(int(params.get("months", 6)), 1), 24)
    except (TypeError, ValueError):
        months = 6
    first = (today or timezone.localdate()).replace(day=1)
    start = first
    for _ in range(months - 1):
        start = month_window(date_before(start)).month
    return Period(month_window(start).start, month_window(next_month(first)).start)


def date_before(day):
    from datetime import timedelta

    return day - timedelta(days=1)
