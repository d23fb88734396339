"""The proposal's lots and allocation JSON, written from fragments for speed, is exactly what
json.dumps writes for the same rounded values."""

import json

import numpy as np
import pandas as pd

from drift.services.proposals import _allocation_json, _lots_json


def test_lots_json_is_json_dumps_of_the_lots_a_sell_uses():
    rng = np.random.default_rng(3)
    n = 400
    lots = pd.DataFrame(
        {
            "account_id": rng.integers(1, 30, n),
            "security_id": rng.integers(1, 6, n),
            "lot_id": np.arange(n),
            "take": rng.random(n) * 1000,
            "gain": (rng.random(n) - 0.5) * 1e5,
            "long_term": rng.random(n) < 0.5,
        }
    )
    lots.loc[:3, "take"] = [0.1, 1e-7, 123456.1234567, 2.5e-5]
    pairs = lots[["account_id", "security_id"]].drop_duplicates()
    trades = pairs.assign(side=np.where(np.arange(len(pairs)) % 3 == 0, "buy", "sell"))
    got = _lots_json(lots, trades)
    sells = trades[trades["side"] == "sell"]
    assert set(got) == set(zip(sells["account_id"], sells["security_id"]))
    for (a, s), text in got.items():
        rows = lots[(lots["account_id"] == a) & (lots["security_id"] == s)]
        want = [
            {
                "lot": int(r.lot_id),
                "quantity": round(float(r.take), 6),
                "gain": round(float(r.gain), 2),
                "term": "long" if r.long_term else "short",
            }
            for r in rows.itertuples()
        ]
        assert text == json.dumps(want)


def test_allocation_json_is_json_dumps_of_the_rounded_percentages():
    rng = np.random.default_rng(4)
    n = 300
    alloc = pd.DataFrame(
        {
            "account_id": rng.integers(1, 40, n),
            "asset_class": rng.choice(["us_equity", "bonds", "cash", "alternatives"], n),
            "current": rng.random(n) * 100,
            "proposed": rng.random(n) * 130 - 10,  # outside the 0–100 table too
            "target": rng.random(n) * 100,
        }
    )
    alloc.loc[:3, "current"] = [100.0, 0.005, 99.995, -0.004]
    got = _allocation_json(alloc, range(1, 35))
    for a, text in got.items():
        rows = alloc[alloc["account_id"] == a].drop_duplicates("asset_class", keep="last")
        want = {
            r.asset_class: {
                "current": float(np.round(r.current, 2)),
                "proposed": float(np.round(r.proposed, 2)),
                "target": float(np.round(r.target, 2)),
            }
            for r in rows.itertuples()
        }
        assert text == json.dumps(want)
    assert set(got) == set(alloc.loc[alloc["account_id"] < 35, "account_id"])
