"""The threshold review's arithmetic, pure numpy/pandas: the drift paths along the replayed
days, then one threshold replayed over them.

Paths are computed by the scan's own arithmetic (drift.calc.drift) over stacked (account, day)
rows: each pair is one pseudo-account of a single drift_compute call, so there is no loop over
accounts or days, only over chunks that bound memory. Two families of paths:
  held   the account's current positions held constant, valued each day (until it is first
         rebalanced);
  model  a holding bought at the model's targets on day t0 (any account of that model looks
         the same, scaled by its value), valued each later day t.
Bands play no part in the paths: every path is computed once and compared with each threshold.

Replaying one threshold (`simulate`), the model stated on the page:
  * positions are today's, held constant, until the account first breaches;
  * an account breaches on a day when, at that day's close, an asset class is further from its
    target than the threshold (drift.calc.drift's rule with a single band; accounts with a
    stale or missing price never breach, as in the scan) — one alert;
  * on that day it is rebalanced back to its model's targets at that day's closes (one
    rebalance; its legs are the asset classes off target), and the next days drift from target;
  * traded value = value bought + value sold = 2 × portfolio drift × account value;
    estimated costs = traded value × (custodian fee_bps + spread_bps) / 10,000;
  * average drift = mean portfolio drift over all priced account-days, before that day's trades.
Vectorised over accounts; the only loop is over days, because a rebalance changes the path."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from drift.calc.drift import EPS, drift_compute

STATUS = np.array(["ok", "stale_price", "missing_price"], dtype=object)
LEG_PP = 0.01  # an asset class off target by more than 0.01 pp of the account is one trade leg
CHUNK_ROWS = 2_500_000
_NO_BAND = pd.DataFrame(
    [
        {
            "rule_id": 0,
            "threshold_pp": np.inf,
            "threshold_pp_tax_advantaged": np.nan,
            "relative_pct": np.nan,
            "dollar_threshold": np.nan,
            "class_overrides": {},
        }
    ]
)


@dataclass
class Paths:
    """Per path point: portfolio drift (pp), largest class drift (pp), value, priced ok, legs."""

    drift: np.ndarray
    max_drift: np.ndarray
    value: np.ndarray
    ok: np.ndarray
    legs: np.ndarray


def _compute(positions: pd.DataFrame, model_ids: np.ndarray, targets: pd.DataFrame) -> pd.DataFrame:
    accounts = pd.DataFrame(
        {
            "account_id": np.arange(len(model_ids), dtype="int64"),
            "model_id": model_ids,
            "rule_id": 0,
            "tax_advantaged": False,
        }
    )
    result = drift_compute(positions, targets, accounts, _NO_BAND)
    off = result.classes["drift"].abs() > LEG_PP
    legs = off.groupby(result.classes["account_id"]).sum().reindex(accounts["account_id"]).fillna(0)
    out = result.accounts
    out["legs"] = legs.to_numpy(int)
    return out


def _fill(paths: Paths, out: pd.DataFrame, where) -> None:
    paths.drift[where] = out["portfolio_drift"].to_numpy(float)
    paths.max_drift[where] = out["max_drift"].to_numpy(float)
    paths.value[where] = out["total_value"].to_numpy(float)
    paths.ok[where] = (out["status"] == "ok").to_numpy(bool)
    paths.legs[where] = out["legs"].to_numpy(int)


def _empty(shape) -> Paths:
    return Paths(
        np.zeros(shape),
        np.zeros(shape),
        np.zeros(shape),
        np.zeros(shape, bool),
        np.zeros(shape, int),
    )


def _class_values(inp):
    """Per asset class: (class, held-by mask N, value N × D, status code N × D)."""
    held_any = inp.quantity > 0
    price = np.nan_to_num(inp.price)
    missing, stale = np.isnan(inp.price).astype(float), inp.stale.astype(float)
    for cls in pd.unique(inp.asset_class):
        cols = inp.asset_class == cls
        held = held_any[:, cols]
        if not held.any():
            continue
        value = inp.quantity[:, cols] @ price[:, cols].T
        code = np.where(
            held.astype(float) @ missing[:, cols].T > 0,
            2,
            np.where(held.astype(float) @ stale[:, cols].T > 0, 1, 0),
        )
        yield cls, held.any(axis=1), value, code


def held_paths(inp) -> Paths:
    """N × D: every account with its current positions, on every replayed day."""
    n, d = inp.quantity.shape[0], len(inp.days)
    classes = list(_class_values(inp))
    paths = _empty((n, d))
    per_day = max(sum(int(h.sum()) for _, h, _, _ in classes), 1)
    step = max(CHUNK_ROWS // per_day, 1)
    models = inp.accounts["model_id"].to_numpy("int64")
    for d0 in range(0, d, step):
        days = np.arange(d0, min(d0 + step, d))
        frames = []
        for cls, held, value, code in classes:
            accts = np.flatnonzero(held)
            pseudo = (np.subtract.outer(days, d0) * n)[:, None] + accts[None, :]
            v, c = value[accts][:, days].T, code[accts][:, days].T
            frames.append(
                pd.DataFrame(
                    {
                        "account_id": pseudo.ravel(),
                        "security_id": 0,
                        "asset_class": cls,
                        "quantity": v.ravel(),
                        "price": np.where(c.ravel() == 2, np.nan, 1.0),
                        "price_status": STATUS[c.ravel()],
                    }
                )
            )
        out = _compute(
            pd.concat(frames, ignore_index=True), np.tile(models, len(days)), inp.targets
        )
        _fill(paths, out, (np.tile(np.arange(n), len(days)), np.repeat(days, n)))
    return paths


def model_paths(inp, model_ids: np.ndarray) -> Paths:
    """M × D × D: [m, t0, t] for t > t0 — model m's targets bought at t0's closes, valued at t
    (value relative to the amount invested)."""
    d = len(inp.days)
    paths = _empty((len(model_ids), d, d))
    col_of = {s: i for i, s in enumerate(inp.security_ids)}
    t0s, ts = np.triu_indices(d, 1)
    for m, model_id in enumerate(model_ids):
        rows = inp.targets[inp.targets["model_id"] == model_id]
        if rows.empty or not len(t0s):
            continue
        cols = np.array([col_of[s] for s in rows["security_id"]])
        weight = rows["weight"].to_numpy(float) / 100.0
        step = max(CHUNK_ROWS // len(cols), 1)
        for i in range(0, len(t0s), step):
            a, b = t0s[i : i + step], ts[i : i + step]
            out = _model_chunk(inp, rows, cols, weight, a, b, model_id)
            _fill(paths, out, (np.full(len(a), m), a, b))
        paths.value[m] /= max(weight.sum(), 1e-12)
    return paths


def _model_chunk(inp, rows, cols, weight, t0, t, model_id) -> pd.DataFrame:
    k = len(cols)
    p0, p1 = inp.price[t0][:, cols], inp.price[t][:, cols]
    code = np.where(np.isnan(p0) | np.isnan(p1), 2, np.where(inp.stale[t][:, cols], 1, 0))
    positions = pd.DataFrame(
        {
            "account_id": np.repeat(np.arange(len(t0)), k),
            "security_id": np.tile(rows["security_id"].to_numpy(), len(t0)),
            "asset_class": np.tile(rows["asset_class"].to_numpy(object), len(t0)),
            "quantity": (weight[None, :] / p0).ravel(),
            "price": p1.ravel(),
            "price_status": STATUS[code.ravel()],
        }
    )
    return _compute(
        positions,
        np.full(len(t0), model_id, dtype="int64"),
        inp.targets[inp.targets["model_id"] == model_id],
    )


@dataclass
class Outcome:
    threshold: float
    alerts: int = 0
    accounts_alerted: int = 0
    legs: int = 0
    traded: float = 0.0
    costs: float = 0.0
    drift_sum: float = 0.0
    drift_n: int = 0
    value_sum: float = 0.0
    held_alerts: int = 0  # account-days beyond the band had nobody ever traded
    daily_drift: list = field(default_factory=list)


def _breaches(drift_max, ok, threshold: float):
    return ok & (drift_max > threshold + EPS)


def simulate(
    threshold: float, held, model, model_index: np.ndarray, cost_rate: np.ndarray
) -> Outcome:
    """held: Paths N × D; model: Paths M × D × D; model_index: N (row of each account's model
    in `model`); cost_rate: N (fraction of traded value)."""
    n, d = held.drift.shape
    out = Outcome(threshold)
    out.held_alerts = int(_breaches(held.max_drift, held.ok, threshold).sum())
    anchor = np.full(n, -1)  # day of the last rebalance, -1 = never
    invested = np.zeros(n)  # account value at its last rebalance
    alerted = np.zeros(n, bool)
    for t in range(d):
        fresh = anchor < 0
        a0 = np.maximum(anchor, 0)
        # Accounts never rebalanced follow their held path; the others their model's path
        # from the day of their last rebalance.
        drift, drift_max, ok, legs = (
            np.where(fresh, h[:, t], m[model_index, a0, t])
            for h, m in (
                (held.drift, model.drift),
                (held.max_drift, model.max_drift),
                (held.ok, model.ok),
                (held.legs, model.legs),
            )
        )
        value = np.where(fresh, held.value[:, t], invested * model.value[model_index, a0, t])
        hit = _breaches(drift_max, ok, threshold)
        traded = 2.0 * drift[hit] / 100.0 * value[hit]
        out.alerts += int(hit.sum())
        out.legs += int(legs[hit].sum())
        out.traded += float(traded.sum())
        out.costs += float((traded * cost_rate[hit]).sum())
        out.drift_sum += float(drift[ok].sum())
        out.drift_n += int(ok.sum())
        out.value_sum += float(value[ok].sum())
        out.daily_drift.append(float(drift[ok].mean()) if ok.any() else 0.0)
        alerted |= hit
        anchor[hit], invested[hit] = t, value[hit]
    out.accounts_alerted = int(alerted.sum())
    return out
