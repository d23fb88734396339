"""Reads for the drift app. Scan inputs are set-based (a handful of queries per firm, never one
per account); everything runs inside the caller's firm scope (app filter + RLS)."""
from dataclasses import dataclass
from datetime import date

import pandas as pd

from portfolios.models import Custodian, ModelTarget, Security

from .models import AccountDriftSettings, DriftRule
from .pgcopy import frame_from_sql
from .rules import rule_ids_for

PRICE_STATUS = {0: "ok", 1: "stale_price", 2: "missing_price"}

# Positions joined with that day's close. A security with no close on `as_of` is valued at its
# last earlier close and flagged stale (1), or has no price at all (2). Cash is worth 1.
_POSITIONS_SQL = """
WITH px AS (
  SELECT s.id AS security_id,
    CASE WHEN s.security_type = 'cash' THEN 1.0 ELSE last.close END AS price,
    CASE WHEN s.security_type = 'cash' OR last.date = %(d)s THEN 0 WHEN last.date IS NOT NULL THEN 1 ELSE 2 END AS price_status
  FROM portfolios_security s
  LEFT JOIN LATERAL (
    SELECT p.close::float8 AS close, p.date FROM portfolios_price p
    WHERE p.firm_id = s.firm_id AND p.security_id = s.id AND p.date <= %(d)s ORDER BY p.date DESC LIMIT 1
  ) last ON true
  WHERE s.firm_id = %(f)s
)
SELECT pos.account_id, pos.security_id, pos.quantity::float8 AS quantity, px.price, px.price_status
FROM portfolios_position pos JOIN px ON px.security_id = pos.security_id
WHERE pos.firm_id = %(f)s AND pos.quantity > 0 {account_filter}
"""

_ACCOUNTS_SQL = """
SELECT a.id AS account_id, a.model_id, a.segment, a.custodian_id, a.client_id, a.advisor_id,
  (a.tax_status = 'tax_advantaged') AS tax_advantaged,
  c.short_term_tax_rate::float8 AS st_rate, c.long_term_tax_rate::float8 AS lt_rate,
  ds.rule_id AS override_rule_id, COALESCE(ds.do_not_trade, false) AS do_not_trade
FROM portfolios_account a JOIN portfolios_client c ON c.id = a.client_id
LEFT JOIN drift_accountdriftsettings ds ON ds.account_id = a.id
WHERE a.firm_id = %(f)s {account_filter}
"""


@dataclass
class ScanInputs:
    as_of: date
    positions: pd.DataFrame
    securities: pd.DataFrame
    targets: pd.DataFrame
    accounts: pd.DataFrame
    rules: pd.DataFrame
    custodians: pd.DataFrame


def _filter(column: str, account_ids) -> tuple[str, dict]:
    if account_ids is None:
        return "", {}
    return f"AND {column} = ANY(%(ids)s)", {"ids": list(map(int, account_ids))}


def positions_frame(firm_id: int, as_of: date, account_ids=None) -> pd.DataFrame:
    clause, extra = _filter("pos.account_id", account_ids)
    return frame_from_sql(
        _POSITIONS_SQL.format(account_filter=clause), {"f": firm_id, "d": as_of, **extra},
        dtype={"account_id": "int64", "security_id": "int64", "quantity": "float64", "price": "float64", "price_status": "int8"},
    )


def accounts_frame(firm_id: int, account_ids=None) -> pd.DataFrame:
    clause, extra = _filter("a.id", account_ids)
    frame = frame_from_sql(_ACCOUNTS_SQL.format(account_filter=clause), {"f": firm_id, **extra},
                           dtype={"account_id": "int64", "model_id": "int64", "custodian_id": "int64", "segment": "object"})
    for col in ("tax_advantaged", "do_not_trade"):
        frame[col] = frame[col].map({"t": True, "f": False, True: True, False: False}).astype(bool)
    return frame


def rules_frame() -> pd.DataFrame:
    rows = list(DriftRule.objects.values(
        "id", "segment", "threshold_pp", "threshold_pp_tax_advantaged", "relative_pct", "class_overrides",
        "dollar_threshold", "rebalance_to", "min_trade_value", "cash_floor_pct"))
    frame = pd.DataFrame(rows, columns=["id", "segment", "threshold_pp", "threshold_pp_tax_advantaged", "relative_pct",
                                        "class_overrides", "dollar_threshold", "rebalance_to", "min_trade_value", "cash_floor_pct"])
    frame = frame.rename(columns={"id": "rule_id"})
    for col in ("threshold_pp", "threshold_pp_tax_advantaged", "relative_pct", "dollar_threshold", "min_trade_value", "cash_floor_pct"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def securities_frame() -> pd.DataFrame:
    rows = Security.objects.values_list("id", "symbol", "asset_class", "security_type")
    return pd.DataFrame(list(rows), columns=["security_id", "symbol", "asset_class", "security_type"])


def targets_frame(model_ids=None, override: pd.DataFrame | None = None) -> pd.DataFrame:
    qs = ModelTarget.objects.all() if model_ids is None else ModelTarget.objects.filter(model_id__in=model_ids)
    rows = qs.values_list("model_id", "asset_class", "security_id", "weight")
    frame = pd.DataFrame(list(rows), columns=["model_id", "asset_class", "security_id", "weight"])
    frame["weight"] = frame["weight"].astype("float64")
    if override is not None:  # a model change being previewed
        frame = pd.concat([frame[~frame["model_id"].isin(override["model_id"])], override], ignore_index=True)
    return frame


def custodians_frame() -> pd.DataFrame:
    rows = Custodian.objects.values_list("id", "fee_per_trade", "fee_bps", "spread_bps", "supports_fractional")
    frame = pd.DataFrame(list(rows), columns=["custodian_id", "fee_per_trade", "fee_bps", "spread_bps", "supports_fractional"])
    for col in ("fee_per_trade", "fee_bps", "spread_bps"):
        frame[col] = frame[col].astype("float64")
    return frame


def scan_inputs(*, firm_id: int, as_of: date, account_ids=None, targets_override: pd.DataFrame | None = None) -> ScanInputs:
    """Everything the drift arithmetic and the rebalancer need, for all (or some) accounts."""
    securities = securities_frame()
    positions = positions_frame(firm_id, as_of, account_ids)
    sec = securities.set_index("security_id")
    positions["asset_class"] = positions["security_id"].map(sec["asset_class"]).astype(object)
    positions["price_status"] = positions["price_status"].map(PRICE_STATUS)
    accounts = accounts_frame(firm_id, account_ids)
    rules = rules_frame()
    accounts["rule_id"] = rule_ids_for(accounts, rules)
    return ScanInputs(as_of, positions, securities, targets_frame(override=targets_override), accounts, rules, custodians_frame())


def restrictions_frame(account_ids) -> pd.DataFrame:
    """(account_id, symbol, side) for never-sell / never-buy, plus gains budgets, of some accounts."""
    rows = AccountDriftSettings.objects.filter(account_id__in=list(map(int, account_ids))).exclude(
        never_sell=[], never_buy=[], gains_budget=None).values_list("account_id", "never_sell", "never_buy", "gains_budget", "gains_budget_mode")
    return pd.DataFrame(list(rows), columns=["account_id", "never_sell", "never_buy", "gains_budget", "gains_budget_mode"])


def prices_on(firm_id: int, as_of: date) -> pd.Series:
    """security_id -> close on `as_of` (cash is 1); securities without that day's close are absent."""
    frame = frame_from_sql(
        "SELECT s.id AS security_id, CASE WHEN s.security_type = 'cash' THEN 1.0 ELSE p.close::float8 END AS price "
        "FROM portfolios_security s LEFT JOIN portfolios_price p ON p.firm_id = s.firm_id AND p.security_id = s.id AND p.date = %(d)s "
        "WHERE s.firm_id = %(f)s", {"f": firm_id, "d": as_of}, dtype={"security_id": "int64", "price": "float64"})
    return frame.dropna().set_index("security_id")["price"]


def lots_frame(firm_id: int, account_ids) -> pd.DataFrame:
    """Tax lots of some accounts, in one query."""
    return frame_from_sql(
        "SELECT id AS lot_id, account_id, security_id, acquired_on, quantity::float8 AS quantity, cost_basis::float8 AS cost_basis "
        "FROM portfolios_taxlot WHERE firm_id = %(f)s AND account_id = ANY(%(ids)s)",
        {"f": firm_id, "ids": list(map(int, account_ids))},
        dtype={"lot_id": "int64", "account_id": "int64", "security_id": "int64", "quantity": "float64", "cost_basis": "float64"},
    )


def realised_gains_ytd(account_ids, as_of: date) -> pd.Series:
    """account_id -> realised gains booked this calendar year up to `as_of`."""
    from django.db.models import Sum

    from portfolios.models import Transaction

    rows = (Transaction.objects.filter(account_id__in=list(map(int, account_ids)), date__year=as_of.year, date__lte=as_of)
            .values("account_id").annotate(g=Sum("realized_gain")).values_list("account_id", "g"))
    return pd.Series({a: float(g or 0) for a, g in rows}, dtype="float64")


def open_proposal_accounts(as_of: date) -> set[int]:
    """Accounts that already have a proposal still in flight, or a scan proposal for `as_of`."""
    from django.db.models import Q

    from .choices import OPEN_STATUSES, ProposalSource
    from .models import Proposal

    q = Q(status__in=OPEN_STATUSES) | Q(as_of=as_of, source=ProposalSource.SCAN)
    return set(Proposal.objects.filter(q).values_list("account_id", flat=True).distinct())


def latest_versions(account_ids) -> pd.Series:
    from django.db.models import Max

    from .models import Proposal

    rows = Proposal.objects.filter(account_id__in=list(map(int, account_ids))).values("account_id").annotate(v=Max("version"))
    return pd.Series({r["account_id"]: r["v"] for r in rows}, dtype="int64")
