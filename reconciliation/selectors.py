"""Reads of reconciliation: the breaks list (page and API, one query whatever its length) and
the drift scan's read of the open breaks of the accounts it scans (by key, never the table)."""

from datetime import date

import pandas as pd

from core.pgcopy import frame_from_sql

from .choices import BreakStatus
from .models import ReconciliationBreak, ReconciliationRun

STATUS_FILTERS = ("open", "closed", "all")


def breaks_list(
    *,
    status: str = "open",
    as_of: date | None = None,
    account: str = "",
    custodian_id: int | None = None,
):
    """Breaks, newest day first then by account: status "open", "closed" (accepted, resolved or
    cleared) or "all"; an exact day (the file's); an account number (exact, any case)."""
    qs = ReconciliationBreak.objects.select_related("custodian", "resolved_by__user").order_by(
        "-as_of", "account_number", "kind", "symbol", "pk"
    )
    if status == "open":
        qs = qs.filter(status=BreakStatus.OPEN)
    elif status == "closed":
        qs = qs.exclude(status=BreakStatus.OPEN)
    if as_of is not None:
        qs = qs.filter(as_of=as_of)
    if account:
        qs = qs.filter(account_number__iexact=account.strip())
    if custodian_id is not None:
        qs = qs.filter(custodian_id=custodian_id)
    return qs


def runs_recent(limit: int = 10):
    return ReconciliationRun.objects.select_related("custodian", "created_by__user")[:limit]


_OPEN_SQL = """
SELECT account_id, count(*) AS breaks, min(first_seen)::text AS since,
       string_agg(DISTINCT kind, ',' ORDER BY kind) AS kinds
FROM reconciliation_reconciliationbreak
WHERE firm_id = %(f)s AND status = 'open' AND account_id IS NOT NULL {filter}
GROUP BY account_id
"""


def open_break_reasons(firm_id: int, account_ids=None) -> pd.Series:
    """account_id -> why the scan holds the account ("unresolved reconciliation break: …"),
    for the accounts with an open break among `account_ids` (None: the firm's). Reads the
    partial index of open breaks by (firm, account): a handful of rows, never the table."""
    clause, params = "", {"f": firm_id}
    if account_ids is not None:
        clause, params["ids"] = (
            "AND account_id = ANY(%(ids)s::bigint[])",
            list(map(int, account_ids)),
        )
    frame = frame_from_sql(
        _OPEN_SQL.format(filter=clause),
        params,
        dtype={"account_id": "int64", "breaks": "int64", "since": "object", "kinds": "object"},
    )
    if frame.empty:
        return pd.Series(dtype=object)
    reasons = [
        f"unresolved reconciliation break{'s' if n > 1 else ''} since {since} "
        f"({kinds.replace('_', ' ').replace(',', ', ')}): ops accept or resolve it"
        for n, since, kinds in zip(frame["breaks"], frame["since"], frame["kinds"], strict=True)
    ]
    return pd.Series(reasons, index=frame["account_id"].to_numpy(), dtype=object)
