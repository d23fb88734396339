"""The scan's inputs, read set-based (a handful of queries per firm, never one per account):
prices with their sanity check, positions, accounts, drift rules and widenings, targets,
custodians, restrictions, tax lots, realised gains and open proposals."""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from core.pgcopy import frame_from_sql
from portfolios.models import Custodian, ModelTarget, Security

from ..models import AccountDriftSettings, DriftRule, ToleranceWidening

PRICE_STATUS = {0: "ok", 1: "stale_price", 2: "missing_price"}

# Price sanity: a close this many times above or below the security's
# previous close, or above the cap, is not traded on. The account's snapshot is marked
# `suspect_price` with the reason and no proposal is built until the close is corrected.
PRICE_MAX_JUMP = 10.0
PRICE_CAP = 10_000_000.0

# Each security's close for the scan: that day's close, else its last earlier close flagged
# stale (1), else none (2); cash is worth 1. The previous close feeds the price sanity check.
# One row per security: the positions are joined to it in pandas, so the big read below
# carries only three narrow columns.
_SECURITY_PRICES_SQL = """
SELECT s.id AS security_id, s.symbol,
  CASE WHEN s.security_type = 'cash' THEN 1.0 ELSE last.close END AS price,
  CASE WHEN s.security_type = 'cash' OR last.date = %(d)s THEN 0
       WHEN last.date IS NOT NULL THEN 1 ELSE 2 END AS price_status,
  CASE WHEN s.security_type = 'cash' THEN NULL ELSE prev.close END AS prev_close
FROM portfolios_security s
LEFT JOIN LATERAL (
  SELECT p.close::float8 AS close, p.date FROM portfolios_price p
  WHERE p.firm_id = s.firm_id AND p.security_id = s.id AND p.date <= %(d)s
  ORDER BY p.date DESC LIMIT 1
) last ON true
LEFT JOIN LATERAL (
  SELECT p.close::float8 AS close FROM portfolios_price p
  WHERE p.firm_id = s.firm_id AND p.security_id = s.id AND p.date < last.date
  ORDER BY p.date DESC LIMIT 1
) prev ON true
WHERE s.firm_id = %(f)s
"""

# Quantities travel as numeric text: PostgreSQL's numeric -> float8 cast costs more than the
# whole scan of the table, and pandas parses the text straight into float64.
_POSITIONS_SQL = """
SELECT pos.account_id, pos.security_id, pos.quantity
FROM portfolios_position pos
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
    return f"AND {column} = ANY(%(ids)s::bigint[])", {"ids": list(map(int, account_ids))}


def security_prices_frame(firm_id: int, as_of: date) -> pd.DataFrame:
    """security_id, symbol, price, price_status (0 ok, 1 stale, 2 missing), prev_close."""
    return frame_from_sql(
        _SECURITY_PRICES_SQL,
        {"f": firm_id, "d": as_of},
        dtype={
            "security_id": "int64",
            "symbol": "object",
            "price": "float64",
            "price_status": "int8",
            "prev_close": "float64",
        },
    )


def positions_frame(
    firm_id: int, as_of: date, account_ids=None, securities: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Positions with their security's close, price status and sanity reason, asset class
    (from `securities`) and symbol: account_id, security_id, quantity, price, price_status,
    prev_close, symbol, price_reason[, asset_class]. Price checks run once per security."""
    clause, extra = _filter("pos.account_id", account_ids)
    positions = frame_from_sql(
        _POSITIONS_SQL.format(account_filter=clause),
        {"f": firm_id, **extra},
        dtype={"account_id": "int64", "security_id": "int64", "quantity": "float64"},
    )
    px = security_prices_frame(firm_id, as_of)
    px["price_status"] = px["price_status"].map(PRICE_STATUS)
    px = price_sanity(px)
    if securities is not None:
        px["asset_class"] = (
            px["security_id"].map(securities.set_index("security_id")["asset_class"]).astype(object)
        )
    # A position whose security has no row (cannot happen inside one firm) reads as missing.
    px = pd.concat(
        [
            px,
            pd.DataFrame(
                {
                    "security_id": [-1],
                    "price": [np.nan],
                    "price_status": ["missing_price"],
                    "prev_close": [np.nan],
                    "symbol": [""],
                    "price_reason": [""],
                }
            ),
        ],
        ignore_index=True,
    )
    at = pd.Index(px["security_id"]).get_indexer(positions["security_id"])
    for col in [c for c in px.columns if c != "security_id"]:
        values = px[col].to_numpy()[at]
        # Text stays object dtype: pandas' str dtype is many times slower to map and compare.
        positions[col] = pd.Series(
            values, index=positions.index, dtype=object if values.dtype == object else values.dtype
        )
    return positions


def price_sanity(positions: pd.DataFrame) -> pd.DataFrame:
    """Mark positions whose close is not believable: not finite or not positive, above
    PRICE_CAP, or more than PRICE_MAX_JUMP times away from the previous close. Sets
    price_status to "suspect_price", price_reason to a human-readable reason, and values
    the position at its previous close (NaN if none). The scan runs it once per security."""
    price = positions["price"].to_numpy(float)
    prev = (
        positions["prev_close"].to_numpy(float)
        if "prev_close" in positions
        else np.full(len(positions), np.nan)
    )
    has = positions["price_status"].to_numpy(object) != "missing_price"
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((prev > 0) & (price > 0), np.maximum(price / prev, prev / price), 1.0)
    bad_value = has & (~np.isfinite(price) | (price <= 0))
    over_cap = has & ~bad_value & (price > PRICE_CAP)
    jump = has & ~bad_value & ~over_cap & (ratio > PRICE_MAX_JUMP)
    symbol = (
        positions["symbol"].astype(str).to_numpy(object)
        if "symbol" in positions
        else positions["security_id"].astype(str).to_numpy(object)
    )
    reason = np.full(len(positions), "", dtype=object)
    for mask, text in (
        (bad_value, "{s} close {p} is not a positive number"),
        (over_cap, "{s} close {p:,.2f} is above the cap of {cap:,.0f}"),
        (
            jump,
            "{s} close {p:,.4f} is {r:,.1f}x away from the previous close {q:,.4f} "
            "(limit {lim:g}x)",
        ),
    ):
        for i in np.flatnonzero(mask):
            reason[i] = text.format(
                s=symbol[i], p=price[i], q=prev[i], r=ratio[i], cap=PRICE_CAP, lim=PRICE_MAX_JUMP
            )
    positions = positions.copy()
    positions["price_reason"] = reason
    suspect = bad_value | over_cap | jump
    if suspect.any():
        # Valued at the previous close (or not at all), so no absurd total reaches a snapshot.
        positions.loc[suspect, "price_status"] = "suspect_price"
        positions.loc[suspect, "price"] = np.where(prev[suspect] > 0, prev[suspect], np.nan)
    return positions


def accounts_frame(firm_id: int, account_ids=None) -> pd.DataFrame:
    clause, extra = _filter("a.id", account_ids)
    frame = frame_from_sql(
        _ACCOUNTS_SQL.format(account_filter=clause),
        {"f": firm_id, **extra},
        dtype={
            "account_id": "int64",
            "model_id": "int64",
            "custodian_id": "int64",
            "segment": "object",
        },
    )
    for col in ("tax_advantaged", "do_not_trade"):
        frame[col] = frame[col].map({"t": True, "f": False, True: True, False: False}).astype(bool)
    return frame


_RULE_COLUMNS = (
    *("id", "segment", "threshold_pp", "threshold_pp_tax_advantaged", "relative_pct"),
    *("class_overrides", "dollar_threshold", "rebalance_to", "min_trade_value", "cash_floor_pct"),
)


def rules_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        list(DriftRule.objects.values(*_RULE_COLUMNS)), columns=list(_RULE_COLUMNS)
    )
    frame = frame.rename(columns={"id": "rule_id"})
    for col in (
        "threshold_pp",
        "threshold_pp_tax_advantaged",
        "relative_pct",
        "dollar_threshold",
        "min_trade_value",
        "cash_floor_pct",
    ):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


_BAND_COLUMNS = ("threshold_pp", "threshold_pp_tax_advantaged", "relative_pct", "dollar_threshold")


def band_factor_on(day: date) -> float:
    """The factor every band is widened by on `day` (volatile markets; the largest if periods
    overlap), 1 when no widening is in force. Officers set them on reporting's widenings page."""
    factors = ToleranceWidening.objects.filter(start__lte=day, end__gte=day).values_list(
        "factor", flat=True
    )
    return float(max(factors, default=1))


def rules_widened(rules: pd.DataFrame, factor: float) -> pd.DataFrame:
    """Every tolerance band of every rule multiplied by `factor` (per-class overrides too)."""
    if factor == 1:
        return rules
    widened = rules.copy()
    for col in _BAND_COLUMNS:
        widened[col] = widened[col] * factor
    widened["class_overrides"] = widened["class_overrides"].map(
        lambda bands: {cls: float(band) * factor for cls, band in (bands or {}).items()}
    )
    return widened


def securities_frame() -> pd.DataFrame:
    rows = Security.objects.values_list(
        "id", "symbol", "asset_class", "security_type", "diversified"
    )
    return pd.DataFrame(
        list(rows), columns=["security_id", "symbol", "asset_class", "security_type", "diversified"]
    )


def targets_frame(model_ids=None, override: pd.DataFrame | None = None) -> pd.DataFrame:
    qs = (
        ModelTarget.objects.all()
        if model_ids is None
        else ModelTarget.objects.filter(model_id__in=model_ids)
    )
    rows = qs.values_list("model_id", "asset_class", "security_id", "weight")
    frame = pd.DataFrame(list(rows), columns=["model_id", "asset_class", "security_id", "weight"])
    frame["weight"] = frame["weight"].astype("float64")
    if override is not None:  # a model change being previewed
        frame = pd.concat(
            [frame[~frame["model_id"].isin(override["model_id"])], override], ignore_index=True
        )
    return frame


def custodians_frame() -> pd.DataFrame:
    rows = Custodian.objects.values_list(
        "id", "fee_per_trade", "fee_bps", "spread_bps", "supports_fractional"
    )
    frame = pd.DataFrame(
        list(rows),
        columns=["custodian_id", "fee_per_trade", "fee_bps", "spread_bps", "supports_fractional"],
    )
    for col in ("fee_per_trade", "fee_bps", "spread_bps"):
        frame[col] = frame[col].astype("float64")
    return frame


def scan_inputs(
    *, firm_id: int, as_of: date, account_ids=None, targets_override: pd.DataFrame | None = None
) -> ScanInputs:
    """Everything the drift arithmetic and the rebalancer need, for all (or some) accounts."""
    securities = securities_frame()
    positions = positions_frame(firm_id, as_of, account_ids, securities)
    accounts = accounts_frame(firm_id, account_ids)
    rules = rules_widened(rules_frame(), band_factor_on(as_of))
    accounts["rule_id"] = rule_ids_for(accounts, rules)
    return ScanInputs(
        as_of,
        positions,
        securities,
        targets_frame(override=targets_override),
        accounts,
        rules,
        custodians_frame(),
    )


def restrictions_frame(account_ids) -> pd.DataFrame:
    """(account_id, symbol, side) for never-sell / never-buy, plus gains budgets, of some
    accounts."""
    # The firm's few accounts with restrictions, filtered here: no parameter list of every account.
    rows = AccountDriftSettings.objects.exclude(
        never_sell=[], never_buy=[], gains_budget=None
    ).values_list("account_id", "never_sell", "never_buy", "gains_budget", "gains_budget_mode")
    frame = pd.DataFrame(
        list(rows),
        columns=["account_id", "never_sell", "never_buy", "gains_budget", "gains_budget_mode"],
    )
    return frame[frame["account_id"].isin(pd.Index(account_ids).astype("int64"))].reset_index(
        drop=True
    )


def prices_on(firm_id: int, as_of: date) -> pd.Series:
    """security_id -> close on `as_of` (cash is 1); securities without that day's close are
    absent."""
    frame = frame_from_sql(
        "SELECT s.id AS security_id, "
        "CASE WHEN s.security_type = 'cash' THEN 1.0 ELSE p.close::float8 END AS price "
        "FROM portfolios_security s LEFT JOIN portfolios_price p "
        "ON p.firm_id = s.firm_id AND p.security_id = s.id AND p.date = %(d)s "
        "WHERE s.firm_id = %(f)s",
        {"f": firm_id, "d": as_of},
        dtype={"security_id": "int64", "price": "float64"},
    )
    return frame.dropna().set_index("security_id")["price"]


def lots_frame(firm_id: int, account_ids) -> pd.DataFrame:
    """Tax lots of some accounts, in one query (numbers travel as numeric text, see _POSITIONS_SQL;
    acquired_on arrives as datetime64)."""
    lots = frame_from_sql(
        "SELECT id AS lot_id, account_id, security_id, acquired_on, quantity, cost_basis "
        "FROM portfolios_taxlot WHERE firm_id = %(f)s AND account_id = ANY(%(ids)s::bigint[])",
        {"f": firm_id, "ids": list(map(int, account_ids))},
        dtype={
            "lot_id": "int64",
            "account_id": "int64",
            "security_id": "int64",
            "quantity": "float64",
            "cost_basis": "float64",
            "acquired_on": "object",
        },
    )
    lots["acquired_on"] = pd.to_datetime(lots["acquired_on"], format="%Y-%m-%d")
    return lots


def realised_gains_ytd(account_ids, as_of: date) -> pd.Series:
    """account_id -> realised gains booked this calendar year up to `as_of`."""
    from django.db.models import Sum

    from portfolios.models import Transaction

    rows = (
        Transaction.objects.filter(
            account_id__in=list(map(int, account_ids)), date__year=as_of.year, date__lte=as_of
        )
        .values("account_id")
        .annotate(g=Sum("realized_gain"))
        .values_list("account_id", "g")
    )
    return pd.Series({a: float(g or 0) for a, g in rows}, dtype="float64")


def open_proposal_accounts(as_of: date, account_ids=None) -> set[int]:
    """Accounts that already have a proposal still in flight, or a scan proposal for `as_of`;
    of `account_ids` only when given (a shard reads its own accounts' proposals by key, not the
    firm's)."""
    from django.db.models import Q

    from ..choices import OPEN_STATUSES, ProposalSource
    from ..models import Proposal

    if account_ids is not None:  # one array parameter (index firm, account, as_of)
        frame = frame_from_sql(
            "SELECT DISTINCT account_id FROM drift_proposal WHERE firm_id = app_current_firm() "
            "AND account_id = ANY(%(ids)s::bigint[]) "
            "AND (status = ANY(%(open)s::text[]) OR (as_of = %(as_of)s AND source = %(scan)s))",
            {
                "ids": list(map(int, account_ids)),
                "open": [str(s) for s in OPEN_STATUSES],
                "as_of": as_of,
                "scan": str(ProposalSource.SCAN),
            },
            dtype={"account_id": "int64"},
        )
        return set(frame["account_id"].tolist())
    q = Q(status__in=OPEN_STATUSES) | Q(as_of=as_of, source=ProposalSource.SCAN)
    return set(Proposal.objects.filter(q).values_list("account_id", flat=True).distinct())


def latest_versions(account_ids) -> pd.Series:
    from django.db.models import Max

    from ..models import Proposal

    ids = list(map(int, account_ids))
    if len(ids) > 1000:  # many accounts: one array parameter instead of an IN list of thousands
        frame = frame_from_sql(
            "SELECT account_id, max(version) AS v FROM drift_proposal "
            "WHERE firm_id = app_current_firm() AND account_id = ANY(%(ids)s::bigint[]) "
            "GROUP BY account_id",
            {"ids": ids},
            dtype={"account_id": "int64", "v": "int64"},
        )
        return frame.set_index("account_id")["v"].rename(None).rename_axis(None)
    rows = (
        Proposal.objects.filter(account_id__in=ids).values("account_id").annotate(v=Max("version"))
    )
    return pd.Series({r["account_id"]: r["v"] for r in rows}, dtype="int64")


def rule_ids_for(accounts: pd.DataFrame, rules: pd.DataFrame) -> pd.Series:
    """Vectorised: the account's override, else its segment's rule, else the firm default."""
    by_segment = rules.dropna(subset=["segment"]).set_index("segment")["rule_id"]
    default = rules.loc[rules["segment"].isna(), "rule_id"]
    chosen = accounts["override_rule_id"].astype("Float64")
    chosen = chosen.fillna(accounts["segment"].map(by_segment).astype("Float64"))
    if len(default):
        chosen = chosen.fillna(float(default.iloc[0]))
    return chosen.astype("Int64")
