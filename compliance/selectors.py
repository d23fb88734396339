"""Reads for compliance. Check inputs are set-based: a fixed handful of queries for any number
of proposals (their trades, the trades of every open proposal of the same clients/households,
the group's transactions in the window, holdings priced on each proposal's day)."""

from datetime import date

import pandas as pd
from django.db.models import Prefetch

from core.pgcopy import frame_from_sql
from drift.calc.wash_sale import trade_dates, window
from drift.choices import OPEN_STATUSES
from drift.models import ComplianceRule
from drift.selectors.wash_sale import TRADE_LOSS_SQL, group_accounts, household_events
from portfolios.models import Security
from portfolios.selectors import household_group_sql, pairs_frame, substitutes_frame

from .calc import CheckInputs
from .choices import ReviewStatus
from .models import CheckResult, ComplianceReview

_PROPOSALS_SQL = f"""
SELECT p.id AS proposal_id, p.account_id, a.number AS account_number, p.as_of,
  p.est_costs::float8 AS est_costs,
  CASE WHEN p.kind = 'cash_deploy' THEN p.cash_amount ELSE 0 END::float8 AS new_cash,
  a.risk_profile, c.alternatives_eligible, {household_group_sql()} AS grp,
  a.client_id, c.household_id
FROM drift_proposal p JOIN portfolios_account a ON a.id = p.account_id
JOIN portfolios_client c ON c.id = a.client_id
WHERE p.firm_id = %(f)s AND p.id = ANY(%(ids)s::bigint[])
"""

# Trades of the proposals checked, and of every other open proposal of the accounts of their
# groups (drift.selectors.wash_sale.group_accounts), read by account key. A sell's loss is the
# sum of its loss lots (a sale can mix gain and loss lots).
_TRADES_SQL = f"""
SELECT t.proposal_id, p.as_of AS date, p.account_id, t.security_id, t.side,
  t.quantity::float8 AS quantity, t.price::float8 AS price, t.value::float8 AS value,
  ({TRADE_LOSS_SQL})::float8 AS loss
FROM drift_proposal p JOIN drift_proposaltrade t ON t.proposal_id = p.id AND t.firm_id = p.firm_id
WHERE p.firm_id = %(f)s AND p.account_id = ANY(%(accounts)s::bigint[])
  AND (p.id = ANY(%(ids)s::bigint[]) OR p.status = ANY(%(open)s))
ORDER BY t.proposal_id, t.id
"""

# Holdings of the proposals' accounts, read by account key from the proposals already read
# (id, account, day); each is priced at its last close on or before the proposal's day (cash is
# worth 1), looked up once per (security, day) rather than once per position.
_HOLDINGS_SQL = """
SELECT p.id AS proposal_id, p.as_of, pos.security_id, pos.quantity::float8 AS quantity
FROM unnest(%(ids)s::bigint[], %(accounts)s::bigint[], %(days)s::date[]) AS p(id, account_id, as_of)
JOIN portfolios_position pos ON pos.firm_id = %(f)s AND pos.account_id = p.account_id
WHERE pos.quantity > 0
"""
_LAST_CLOSES_SQL = """
SELECT d.as_of, s.id AS security_id,
  CASE WHEN s.security_type = 'cash' THEN 1.0 ELSE (
    SELECT pr.close::float8 FROM portfolios_price pr
    WHERE pr.firm_id = s.firm_id AND pr.security_id = s.id AND pr.date <= d.as_of
    ORDER BY pr.date DESC LIMIT 1) END AS price
FROM unnest(%(days)s::date[]) AS d(as_of) CROSS JOIN portfolios_security s
WHERE s.firm_id = %(f)s
"""

_TRADE_COLUMNS = [
    "proposal_id",
    "date",
    "grp",
    "account_number",
    "security_id",
    "side",
    "quantity",
    "price",
    "value",
    "loss",
]
_EVENT_TYPES = {
    "proposal_id": "Int64",
    "grp": "object",
    "account_number": "object",
    "security_id": "int64",
    "side": "object",
    "quantity": "float64",
    "price": "float64",
    "value": "float64",
    "loss": "float64",
}


def check_inputs(*, firm_id: int, proposal_ids: list[int], window_days: int = 30) -> CheckInputs:
    params = {"f": firm_id, "ids": list(map(int, proposal_ids)), "open": sorted(OPEN_STATUSES)}
    proposals = frame_from_sql(_PROPOSALS_SQL, params, parse_dates=["as_of"])
    proposals["trade_date"] = (
        trade_dates(proposals["as_of"]) if len(proposals) else pd.Series(dtype="datetime64[ns]")
    )
    groups = group_accounts(
        firm_id,
        proposals["account_id"].unique(),
        clients=proposals[["client_id", "household_id"]].astype({"household_id": "Int64"}),
    )
    trades = frame_from_sql(
        _TRADES_SQL,
        {**params, "accounts": groups["account_id"].tolist()},
        dtype={**_EVENT_TYPES, "account_id": "int64"},
        parse_dates=["date"],
    )
    trades = trades.merge(groups[["account_id", "grp", "account_number"]], on="account_id")[
        _TRADE_COLUMNS
    ]
    holdings = _holdings(firm_id, proposals)
    return CheckInputs(
        proposals,
        trades,
        proposal_events(firm_id, proposals, window_days, groups),
        holdings,
        securities_frame(),
        pairs_frame(),
        substitutes_frame(),
    )


def _holdings(firm_id: int, proposals: pd.DataFrame) -> pd.DataFrame:
    """proposal_id, security_id, quantity, price (NaN when the security has no close yet)."""
    positions = frame_from_sql(
        _HOLDINGS_SQL,
        {
            "f": firm_id,
            "ids": proposals["proposal_id"].tolist(),
            "accounts": proposals["account_id"].tolist(),
            "days": proposals["as_of"].dt.date.tolist(),
        },
        dtype={"proposal_id": "int64", "security_id": "int64", "quantity": "float64"},
        parse_dates=["as_of"],
    )
    closes = frame_from_sql(
        _LAST_CLOSES_SQL,
        {"f": firm_id, "days": sorted(set(proposals["as_of"].dt.date))},
        dtype={"security_id": "int64", "price": "float64"},
        parse_dates=["as_of"],
    )
    return positions.merge(closes, on=["as_of", "security_id"], how="left")[
        ["proposal_id", "security_id", "quantity", "price"]
    ]


def proposal_events(
    firm_id: int, proposals: pd.DataFrame, window_days: int, groups: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The household facts of each proposal's account inside the window of its trade date,
    keyed by proposal_id (as the builder reads them). `groups`: the accounts' group_accounts,
    if the caller has read them already."""
    if proposals.empty:
        return household_events(firm_id, [], date.min, date.min).assign(
            proposal_key=pd.Series(dtype="int64")
        )
    lo = window(proposals["trade_date"].min().date(), window_days)[0]
    hi = window(proposals["trade_date"].max().date(), window_days)[1]
    events = household_events(firm_id, proposals["account_id"].unique(), lo, hi, groups=groups)
    keyed = proposals[["proposal_id", "account_id", "trade_date"]].rename(
        columns={"proposal_id": "proposal_key"}
    )
    events = events.merge(keyed, on="account_id")
    return events[(events["date"] - events["trade_date"]).dt.days.abs() <= window_days].drop(
        columns="trade_date"
    )


def securities_frame() -> pd.DataFrame:
    rows = Security.objects.values_list(
        "id", "symbol", "asset_class", "security_type", "diversified"
    )
    return pd.DataFrame(
        list(rows), columns=["security_id", "symbol", "asset_class", "security_type", "diversified"]
    )


def rules_enabled() -> list[ComplianceRule]:
    return list(ComplianceRule.objects.filter(enabled=True).order_by("kind"))


def review_queue():
    """Proposals waiting for an officer (flagged) or stopped (blocked), with failing checks."""
    failing = Prefetch(
        "proposal__check_results",
        queryset=CheckResult.objects.filter(passed=False).order_by("kind"),
    )
    return (
        ComplianceReview.objects.filter(status__in=[ReviewStatus.FLAGGED, ReviewStatus.BLOCKED])
        .select_related("proposal__account__client")
        .prefetch_related(failing)
        .order_by("checked_at", "pk")
    )
