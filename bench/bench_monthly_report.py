"""Benchmark of the monthly compliance report. Generates with bulk SQL
into a fresh firm ACCOUNTS accounts (default 10000) and a month of activity: a proposal for
every account (a second version for one in five), their approvals (approved, declined,
expired, some escalated), three compliance checks each with ~1 % overridden by an officer,
and a daily drift snapshot per account and trading day. Then times the real service,
monthly_report_generate (figures, PDF with charts, CSV, storage, audit).
Prints one JSON line last. Run:
    DATABASE_URL=… REDIS_URL=… .venv/bin/python bench/bench_monthly_report.py
"""

import json
import os
import sys
import tempfile
import time
import uuid

import numpy as np

os.environ.setdefault("ACCOUNTS", "10000")

from harness import bench_firm  # noqa: E402,I001  (sets Django up: import it first)
from bench_threshold_review import N, _book, replay_days  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from firms.services.db_security import owner_role  # noqa: E402
from firms.services.members import member_create  # noqa: E402
from firms.services.tenancy import firm_scope  # noqa: E402
from portfolios.calc.market_calendar import trading_days  # noqa: E402
from reporting.calc.months import month_window, next_month, previous_month  # noqa: E402
from reporting.services.monthly import monthly_report_generate  # noqa: E402

ADVISORS = 20
_ACTIVITY_SQL = """
WITH acct AS (
  SELECT a.id, row_number() OVER (ORDER BY a.id) AS i
  FROM portfolios_account a WHERE a.firm_id = %(f)s
), props AS (
  INSERT INTO drift_proposal (firm_id, account_id, version, kind, source, status, as_of,
    created_at, status_changed_at, content_hash, total_value, cash_amount, trade_value,
    est_costs, est_tax, realised_st, realised_lt, drift_before, drift_after, allocation, flags,
    undone)
  SELECT %(f)s, acct.id, v, 'full', 'scan',
    CASE WHEN (acct.i + v) %% 10 < 6 THEN 'executed'
         WHEN (acct.i + v) %% 10 < 8 THEN 'declined' ELSE 'expired' END,
    (%(start)s + ((acct.i * 7 + v) %% 27) * interval '1 day')::date,
    %(start)s + ((acct.i * 7 + v) %% 27) * interval '1 day' + interval '10 hours',
    %(start)s + ((acct.i * 7 + v) %% 27) * interval '1 day' + interval '30 hours',
    md5(acct.id::text || v::text) || md5(v::text || acct.id::text), 250000, 0, 12000, 2.4, 0, 0, 0,
    3 + (acct.i %% 70) / 10.0, (acct.i %% 15) / 10.0, '{}'::jsonb, '{}'::jsonb, '[]'::jsonb
  FROM acct CROSS JOIN generate_series(1, 2) v WHERE v = 1 OR acct.i %% 5 = 0
  RETURNING id, account_id, status, created_at
)
INSERT INTO approvals_approval (firm_id, proposal_id, tier, status, content_hash, version,
  started_at, deadline, reminder_at, escalated_at, decided_at, reason, routing_note)
SELECT %(f)s, id, 'Standard', CASE status WHEN 'executed' THEN 'approved' ELSE status END,
  md5(id::text) || md5(id::text), 1,
  created_at, created_at + interval '48 hours', created_at + interval '24 hours',
  CASE WHEN status = 'expired' AND id %% 3 = 0 THEN created_at + interval '36 hours' END,
  created_at + ((id %% 40) + 1) * interval '1 hour', '', ''
FROM props
"""
_CHECKS_SQL = """
INSERT INTO compliance_checkresult (firm_id, proposal_id, kind, severity, passed, message,
  figures, suggestion, checked_at)
SELECT %(f)s, p.id, k.kind, k.severity, (p.id + k.n) %% 25 <> 0, 'bench check', '{}'::jsonb,
  '{}'::jsonb, p.created_at
FROM drift_proposal p CROSS JOIN (
  VALUES ('concentration', 'flag', 1), ('restricted', 'block', 2), ('turnover', 'flag', 3)
) k(kind, severity, n)
WHERE p.firm_id = %(f)s;
INSERT INTO compliance_compliancereview (firm_id, proposal_id, status, checked_at, officer_id,
  reason, decided_at)
SELECT %(f)s, p.id, CASE WHEN p.id %% 100 = 0 THEN 'overridden' ELSE 'passed' END, p.created_at,
  CASE WHEN p.id %% 100 = 0 THEN %(officer)s END,
  CASE WHEN p.id %% 100 = 0
    THEN 'Client instructed the trade; concentration accepted after a call on ' || p.as_of
    ELSE '' END,
  CASE WHEN p.id %% 100 = 0 THEN p.created_at + interval '2 hours' END
FROM drift_proposal p WHERE p.firm_id = %(f)s;
"""
_SNAPSHOTS_SQL = """
INSERT INTO drift_driftsnapshot (firm_id, account_id, as_of, total_value, portfolio_drift,
  max_drift, max_drift_class, breached, status, detail, created_at)
SELECT %(f)s, a.id, d, 250000, ((a.id * 13 + extract(doy FROM d)::int) %% 90) / 10.0,
  ((a.id * 13 + extract(doy FROM d)::int) %% 90) / 8.0, 'us_equity',
  ((a.id * 13 + extract(doy FROM d)::int) %% 90) > 50,
  'ok', '{}'::jsonb, now()
FROM portfolios_account a CROSS JOIN unnest(%(days)s::date[]) d WHERE a.firm_id = %(f)s
"""


def generate(firm, month) -> int:
    advisors = [
        member_create(
            firm=firm,
            email=f"adv{i}@bench-{firm.slug}.test",
            role="advisor",
            password=uuid.uuid4().hex,
            name=f"Advisor {i:02d}",
        )
        for i in range(ADVISORS)
    ]
    officer = member_create(
        firm=firm,
        email=f"cco@bench-{firm.slug}.test",
        role="compliance_officer",
        password=uuid.uuid4().hex,
        name="Chief Compliance",
    )
    w = month_window(month)
    days = trading_days(month, w.last_day)
    with owner_role(), transaction.atomic():
        _book(firm.pk, np.random.default_rng(9))
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE portfolios_account SET advisor_id = (%s::bigint[])[1 + id %% %s], "
                "registration = CASE WHEN id %% 3 = 0 THEN 'ira' ELSE 'taxable' END "
                "WHERE firm_id = %s",
                [[a.pk for a in advisors], ADVISORS, firm.pk],
            )
            params = {"f": firm.pk, "start": w.start, "officer": officer.pk, "days": days}
            cur.execute(_ACTIVITY_SQL, params)
            cur.execute(_CHECKS_SQL, params)
            cur.execute(_SNAPSHOTS_SQL, params)
            cur.execute("SELECT count(*) FROM drift_proposal WHERE firm_id = %s", [firm.pk])
            proposals = cur.fetchone()[0]
    with owner_role(), connection.cursor() as cur:
        for table in (
            "drift_proposal",
            "approvals_approval",
            "compliance_checkresult",
            "compliance_compliancereview",
            "drift_driftsnapshot",
            "portfolios_account",
        ):
            cur.execute(f"ANALYZE {table}")
    return proposals


def main() -> None:
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-reports-")
    firm = bench_firm("report")
    month = previous_month(replay_days()[-1].replace(day=1))
    t = time.perf_counter()
    with firm_scope(firm):
        proposals = generate(firm, month)
    print(
        f"generated {N} accounts, {proposals} proposals in {time.perf_counter() - t:.1f}s",
        file=sys.stderr,
    )
    with firm_scope(firm):
        t = time.perf_counter()
        report = monthly_report_generate(firm_id=firm.pk, month=month, today=next_month(month))
        seconds = time.perf_counter() - t
    print(f"{report} totals {report.totals} pdf {report.pdf.size} bytes", file=sys.stderr)
    print(
        json.dumps(
            {
                "bench": "monthly_report",
                "accounts": N,
                "proposals": proposals,
                "seconds": round(seconds, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
