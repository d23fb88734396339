"""The threshold review: replay a segment's price history under alternative bands
and state, per band, alerts, trades, turnover, estimated costs and average drift. Reads four
set-based statements (reporting.selectors.replay), then computes every drift path with
drift.calc.drift and replays each band (both in reporting.calc.threshold_review)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from ..calc.decimals import PP, q
from ..calc.threshold_review import Outcome, held_paths, model_paths, simulate
from ..selectors.replay import replay_inputs

CENTS = Decimal("0.01")


@dataclass
class Review:
    segment: str
    start: date
    end: date
    days: list[date]
    accounts: int
    rows: list[dict]
    daily: dict  # band label -> [(day iso, Decimal avg drift)]
    empty: str = ""  # why there is nothing to show


def _row(o: Outcome, days: int) -> dict:
    avg_value = o.value_sum / days if days else 0.0
    return {
        "threshold": q(o.threshold, Decimal("0.01")),
        "alerts": o.alerts,
        "accounts_alerted": o.accounts_alerted,
        "rebalances": o.alerts,
        "legs": o.legs,
        "traded": q(o.traded, CENTS),
        "turnover_pct": q(o.traded / 2.0 / avg_value * 100.0) if avg_value else None,
        "costs": q(o.costs, CENTS),
        "avg_drift": q(o.drift_sum / o.drift_n, PP) if o.drift_n else None,
        "held_alerts": o.held_alerts,
    }


def threshold_review_run(
    *, firm_id: int, segment: str, thresholds: list[Decimal], start: date, end: date
) -> Review:
    """Runs inside the firm's scope (app filter + RLS)."""
    inp = replay_inputs(firm_id=firm_id, segment=segment, start=start, end=end)
    if inp is None:
        return Review(segment, start, end, [], 0, [], {}, empty="This segment has no accounts.")
    if not inp.days:
        return Review(
            segment,
            start,
            end,
            [],
            len(inp.accounts),
            [],
            {},
            empty="There is no trading day in this period.",
        )
    if np.isnan(inp.price).all():
        return Review(
            segment,
            start,
            end,
            inp.days,
            len(inp.accounts),
            [],
            {},
            empty="No prices are stored for this period.",
        )
    models = np.sort(inp.accounts["model_id"].unique())
    held, model = held_paths(inp), model_paths(inp, models)
    model_index = np.searchsorted(models, inp.accounts["model_id"].to_numpy())
    cost_rate = inp.accounts["cost_bps"].to_numpy(float) / 10_000.0
    outcomes = [simulate(float(t), held, model, model_index, cost_rate) for t in thresholds]
    labels = [d.isoformat() for d in inp.days]
    daily = {
        f"{q(o.threshold, Decimal('0.01')).normalize()} pp": [
            (x, q(v, PP)) for x, v in zip(labels, o.daily_drift)
        ]
        for o in outcomes
    }
    return Review(
        segment,
        start,
        end,
        inp.days,
        len(inp.accounts),
        [_row(o, len(inp.days)) for o in outcomes],
        daily,
    )
