"""Drift arithmetic: one pure function over DataFrames, no database.

Inputs
  positions: account_id, security_id, asset_class, quantity, price
             [price_status: ok|stale_price|missing_price|suspect_price,
             price_reason: text, set by the scan's price sanity check]
  targets:   model_id, asset_class, weight            (percent of the account, 0–100)
  accounts:  account_id, model_id, rule_id, tax_advantaged (bool)
  rules:     rule_id, threshold_pp, threshold_pp_tax_advantaged, relative_pct, dollar_threshold,
             class_overrides (dict asset_class -> pp)   (NaN / None = not set)
Output (DriftResult)
  classes:  one row per account and asset class (held or targeted): value, current, target,
            drift (pp), band (pp), dollar_dev, breach
  accounts: one row per account: total_value, portfolio_drift, max_drift, max_drift_class,
            breached, status, status_reason
A class breaches when |drift| exceeds its band; an account breaches when any class does, or
any class's dollar deviation exceeds the rule's dollar threshold. Accounts whose prices are
missing or stale, or that hold nothing, are reported with that status and never breach.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

EPS = 1e-9  # "exceeds": a drift exactly on the band edge is inside it
_STATUS_RANK = {"ok": 0, "stale_price": 1, "missing_price": 2, "suspect_price": 3}
_RANK_STATUS = {v: k for k, v in _STATUS_RANK.items()}


@dataclass
class DriftResult:
    accounts: pd.DataFrame
    classes: pd.DataFrame


def _account_status(positions: pd.DataFrame, acct: np.ndarray, n: int) -> np.ndarray:
    """The worst price status rank of each account's positions (acct: account index, -1 = none)."""
    if "price_status" in positions:
        codes, labels = pd.factorize(
            positions["price_status"].to_numpy(object), use_na_sentinel=True
        )
        ranks = np.array([_STATUS_RANK.get(label, 0) for label in labels] + [0], dtype=np.int8)
        rank = ranks[codes]  # -1 (NaN status) reads the trailing 0
    else:
        rank = np.where(positions["price"].isna().to_numpy(), 2, 0).astype(np.int8)
    worst = np.zeros(n, dtype=np.int8)
    keep = acct >= 0
    for r in sorted(set(np.unique(rank[keep]).tolist()) - {0}):
        worst[np.unique(acct[keep & (rank == r)])] = r
    return worst


def _account_reasons(positions: pd.DataFrame) -> pd.Series:
    """account_id -> the reasons its prices failed the sanity check ("" when none)."""
    if "price_reason" not in positions or positions.empty:
        return pd.Series(dtype=object)
    reasons = positions["price_reason"].to_numpy(object)
    some = np.flatnonzero(reasons != "")
    flagged = positions.iloc[some[pd.notna(reasons[some])]]
    return flagged.groupby("account_id", sort=False)["price_reason"].agg(
        lambda r: "; ".join(sorted(set(r)))[:500]
    )


def _band_matrix(
    accounts: pd.DataFrame, rules: pd.DataFrame, classes: np.ndarray, target: np.ndarray
) -> np.ndarray:
    """The band (pp) of each account (row) and class (column): the account's base band (taxable
    or tax-advantaged), a per-class override if any, tightened by the relative band."""
    r = rules.drop_duplicates("rule_id").reset_index(drop=True)
    rule_at = pd.Index(r["rule_id"]).get_indexer(accounts["rule_id"])  # -1: no rule (NaN bands)
    pad = lambda values: np.append(np.asarray(values, dtype=float), np.nan)  # noqa: E731  index -1 -> NaN
    pp = pad(r["threshold_pp"].astype("float64"))
    ta_pp = pad(
        r["threshold_pp_tax_advantaged"]
        .astype("float64")
        .fillna(r["threshold_pp"].astype("float64"))
    )
    base = np.where(accounts["tax_advantaged"].to_numpy(bool), ta_pp[rule_at], pp[rule_at])
    band = np.repeat(base[:, None], len(classes), axis=1)
    column = {c: k for k, c in enumerate(classes)}
    overrides = np.full((len(r) + 1, len(classes)), np.nan)
    for i, ov in enumerate(r["class_overrides"]):
        for cls, value in ov.items() if isinstance(ov, dict) else ():
            if cls in column:
                overrides[i, column[cls]] = float(value)
    hit = overrides[rule_at]
    band = np.where(np.isnan(hit), band, hit)
    rel = pad(r["relative_pct"].astype("float64"))[rule_at][:, None]
    use_rel = ~np.isnan(rel) & (target > 0)
    return np.where(use_rel, np.minimum(band, rel * target / 100.0), band)


def drift_compute(
    positions: pd.DataFrame, targets: pd.DataFrame, accounts: pd.DataFrame, rules: pd.DataFrame
) -> DriftResult:
    """Dense per account x asset class arithmetic (numpy); the classes frame keeps the cells
    that are held or targeted, sorted by account and class."""
    accounts = accounts.reset_index(drop=True)
    ids = accounts["account_id"].to_numpy("int64")
    n = len(ids)
    acct = (
        pd.Index(ids).get_indexer(positions["account_id"].to_numpy("int64"))
        if len(positions)
        else np.zeros(0, dtype=np.int64)
    )
    t = targets[targets["model_id"].isin(accounts["model_id"])]
    pos_cls = positions["asset_class"].to_numpy(object)
    pos_codes, pos_labels = pd.factorize(pos_cls)
    classes = np.array(
        sorted(set(pos_labels.tolist()) | set(t["asset_class"].tolist())), dtype=object
    )
    k = len(classes)
    cls_of = (
        pd.Index(classes).get_indexer(pos_labels)[pos_codes]
        if len(positions)
        else np.zeros(0, dtype=np.int64)
    )
    value = positions["quantity"].to_numpy(float) * positions["price"].to_numpy(float)
    value = np.where(np.isnan(value), 0.0, value)
    keep = acct >= 0
    cell = acct[keep] * k + cls_of[keep]
    values = np.bincount(cell, weights=value[keep], minlength=n * k).reshape(n, k)
    held = (np.bincount(cell, minlength=n * k) > 0).reshape(n, k)
    # Targets: per model and class, summed; an account wants its model's classes.
    models = pd.Index(pd.unique(accounts["model_id"]))
    m_at = models.get_indexer(t["model_id"])
    c_at = pd.Index(classes).get_indexer(t["asset_class"])
    weights = np.zeros((len(models) + 1, k))
    np.add.at(weights, (m_at, c_at), t["weight"].to_numpy(float))
    listed = np.zeros((len(models) + 1, k), dtype=bool)
    listed[m_at, c_at] = True
    model_at = models.get_indexer(accounts["model_id"])  # every account's model is in `models`
    target, wanted = weights[model_at], listed[model_at]
    total = values.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        current = np.where(total[:, None] > 0, values / total[:, None] * 100.0, 0.0)
    drift = current - target
    band = _band_matrix(accounts, rules, classes, target)
    r = rules.drop_duplicates("rule_id").set_index("rule_id")["dollar_threshold"].astype("float64")
    dollar = accounts["rule_id"].map(r).to_numpy(float)[:, None]
    absd = np.abs(drift)
    dollar_dev = absd / 100.0 * total[:, None]
    breach = (absd > band + EPS) | (~np.isnan(dollar) & (dollar_dev > dollar + EPS))
    grid = held | wanted
    rows, cols = np.nonzero(grid)  # row-major: by account, then class (sorted)
    frame = pd.DataFrame(
        {
            "account_id": ids[rows],
            "asset_class": pd.Series(classes[cols], dtype=object),
            "value": values[rows, cols],
            "target": target[rows, cols],
            "current": current[rows, cols],
            "drift": drift[rows, cols],
            "band": band[rows, cols],
            "dollar_dev": dollar_dev[rows, cols],
            "breach": breach[rows, cols],
        }
    )
    out = _per_account(accounts, positions, acct, grid, absd, breach, classes, total)
    # The dollar test, stored with the snapshot: the largest class deviation in dollars and the
    # rule's threshold.
    out["dollar_off"] = np.where(grid, dollar_dev, 0.0).max(axis=1, initial=0.0)
    out["dollar_threshold"] = dollar[:, 0] if len(dollar) else np.zeros(0)
    return DriftResult(accounts=out, classes=frame)


def _per_account(
    accounts: pd.DataFrame,
    positions: pd.DataFrame,
    acct: np.ndarray,
    grid: np.ndarray,
    absd: np.ndarray,
    breach: np.ndarray,
    classes: np.ndarray,
    total: np.ndarray,
) -> pd.DataFrame:
    ids = accounts["account_id"].to_numpy("int64")
    has = grid.any(axis=1)
    in_grid = np.where(
        grid, absd, -1.0
    )  # the largest drift among held or targeted classes (first in class order)
    top = in_grid.argmax(axis=1) if len(classes) else np.zeros(len(ids), dtype=np.int64)
    status = np.array([_RANK_STATUS[r] for r in range(len(_RANK_STATUS))], dtype=object)[
        _account_status(positions, acct, len(ids))
    ]
    status = np.where(total > 0, status, "empty").astype(object)
    out = pd.DataFrame(
        {
            "account_id": ids,
            "portfolio_drift": np.where(grid, absd, 0.0).sum(axis=1) / 2.0,
            "max_drift": np.where(has, in_grid.max(axis=1, initial=-1.0), 0.0),
            "max_drift_class": pd.Series(
                np.where(has, classes[top] if len(classes) else "", ""), dtype=object
            ),
            "total_value": total,
            "status": pd.Series(status, dtype=object),
        }
    )
    reasons = _account_reasons(positions)
    reason = np.full(len(ids), "", dtype=object)
    if len(reasons):
        at = pd.Index(reasons.index).get_indexer(ids)
        found = (at >= 0) & (status != "empty")
        reason[found] = reasons.to_numpy(object)[at[found]]
    out["status_reason"] = pd.Series(reason, dtype=object)
    out["breached"] = (breach & grid).any(axis=1) & (status == "ok")
    return out
