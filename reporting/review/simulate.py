"""Replaying one threshold over the drift paths (reporting.review.paths).

The model, stated on the page:
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

from drift.calc.drift import EPS


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
        pick = lambda h, m: np.where(fresh, h[:, t], m[model_index, a0, t])  # noqa: E731
        drift, drift_max, ok, legs = (
            pick(held.drift, model.drift),
            pick(held.max_drift, model.max_drift),
            pick(held.ok, model.ok),
            pick(held.legs, model.legs),
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
