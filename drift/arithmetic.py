"""Drift arithmetic (R-DRIFT-2): one pure function over DataFrames, no database.

Inputs
  positions: account_id, security_id, asset_class, quantity, price  [price_status: ok|stale_price|missing_price|suspect_price,
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


def _class_values(positions: pd.DataFrame) -> pd.DataFrame:
    pos = positions[["account_id", "asset_class"]].copy()
    pos["value"] = (positions["quantity"].astype("float64") * positions["price"].astype("float64")).fillna(0.0)
    return pos.groupby(["account_id", "asset_class"], as_index=False, sort=False)["value"].sum()


def _account_status(positions: pd.DataFrame) -> pd.Series:
    if "price_status" in positions:
        rank = positions["price_status"].map(_STATUS_RANK).fillna(0)
    else:
        rank = positions["price"].isna().astype(int) * 2
    worst = rank.groupby(positions["account_id"].to_numpy()).max()
    return worst.map(_RANK_STATUS)


def _account_reasons(positions: pd.DataFrame) -> pd.Series:
    """account_id -> the reasons its prices failed the sanity check ("" when none)."""
    if "price_reason" not in positions or positions.empty:
        return pd.Series(dtype=object)
    flagged = positions[positions["price_reason"].astype(bool)]
    return flagged.groupby("account_id", sort=False)["price_reason"].agg(lambda r: "; ".join(sorted(set(r)))[:500])


def _bands(grid: pd.DataFrame, accounts: pd.DataFrame, rules: pd.DataFrame) -> pd.Series:
    """The band (pp) of each account/class row: the account's base band (taxable or
    tax-advantaged), a per-class override if any, tightened by the relative band."""
    r = rules.set_index("rule_id")
    ta_band = r["threshold_pp_tax_advantaged"].astype("float64").fillna(r["threshold_pp"].astype("float64"))
    acct = accounts.set_index("account_id")
    base = np.where(
        acct["tax_advantaged"].to_numpy(bool),
        acct["rule_id"].map(ta_band).to_numpy(float),
        acct["rule_id"].map(r["threshold_pp"].astype("float64")).to_numpy(float),
    )
    base = pd.Series(base, index=acct.index)
    rule_of = grid["account_id"].map(acct["rule_id"])
    band = grid["account_id"].map(base).to_numpy(float)
    overrides = [(rid, cls, float(pp)) for rid, ov in r["class_overrides"].items() if isinstance(ov, dict) for cls, pp in ov.items()]
    if overrides:
        ov = pd.DataFrame(overrides, columns=["rule_id", "asset_class", "pp"])
        keyed = pd.MultiIndex.from_arrays([rule_of, grid["asset_class"]])
        hit = ov.set_index(["rule_id", "asset_class"])["pp"].reindex(keyed).to_numpy(float)
        band = np.where(np.isnan(hit), band, hit)
    rel = rule_of.map(r["relative_pct"].astype("float64")).to_numpy(float)
    target = grid["target"].to_numpy(float)
    rel_band = rel * target / 100.0
    use_rel = ~np.isnan(rel) & (target > 0)
    return pd.Series(np.where(use_rel, np.minimum(band, rel_band), band), index=grid.index)


def drift_compute(positions: pd.DataFrame, targets: pd.DataFrame, accounts: pd.DataFrame, rules: pd.DataFrame) -> DriftResult:
    held = _class_values(positions)
    wanted = accounts[["account_id", "model_id"]].merge(targets[["model_id", "asset_class", "weight"]], on="model_id")
    wanted = wanted.groupby(["account_id", "asset_class"], as_index=False, sort=False)["weight"].sum()
    grid = held.merge(wanted, on=["account_id", "asset_class"], how="outer")
    grid = grid[grid["account_id"].isin(accounts["account_id"])].reset_index(drop=True)
    grid["value"] = grid["value"].fillna(0.0)
    grid["target"] = grid["weight"].astype("float64").fillna(0.0)
    grid = grid.drop(columns="weight")
    total = grid.groupby("account_id", sort=False)["value"].sum()
    grid_total = grid["account_id"].map(total).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        grid["current"] = np.where(grid_total > 0, grid["value"].to_numpy(float) / grid_total * 100.0, 0.0)
    grid["drift"] = grid["current"] - grid["target"]
    grid["band"] = _bands(grid, accounts, rules)
    dollar = grid["account_id"].map(accounts.set_index("account_id")["rule_id"]).map(
        rules.set_index("rule_id")["dollar_threshold"].astype("float64")
    ).to_numpy(float)
    grid["dollar_dev"] = grid["drift"].abs().to_numpy() / 100.0 * grid_total
    grid["breach"] = (grid["drift"].abs() > grid["band"] + EPS) | (~np.isnan(dollar) & (grid["dollar_dev"].to_numpy() > dollar + EPS))
    return DriftResult(accounts=_per_account(grid, accounts, positions, total), classes=grid)


def _per_account(grid: pd.DataFrame, accounts: pd.DataFrame, positions: pd.DataFrame, total: pd.Series) -> pd.DataFrame:
    absd = grid["drift"].abs()
    g = grid.assign(absd=absd).groupby("account_id", sort=False)
    out = pd.DataFrame({"portfolio_drift": g["absd"].sum() / 2.0, "max_drift": g["absd"].max(), "any_breach": g["breach"].any()})
    idx = grid.loc[absd.groupby(grid["account_id"], sort=False).idxmax().to_numpy(), ["account_id", "asset_class"]]
    out["max_drift_class"] = idx.set_index("account_id")["asset_class"]
    out = out.reindex(accounts["account_id"].to_numpy())
    out["total_value"] = total.reindex(out.index).fillna(0.0)
    status = _account_status(positions).reindex(out.index).fillna("ok")
    status = status.where(out["total_value"] > 0, "empty")
    out["status"] = status
    out["status_reason"] = _account_reasons(positions).reindex(out.index).fillna("").where(status != "empty", "")
    out["breached"] = out["any_breach"].fillna(False).astype(bool) & (status == "ok")
    out[["portfolio_drift", "max_drift"]] = out[["portfolio_drift", "max_drift"]].fillna(0.0)
    out["max_drift_class"] = out["max_drift_class"].fillna("")
    out.index.name = "account_id"
    return out.drop(columns="any_breach").reset_index()
