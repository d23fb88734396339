"""Benchmark of the threshold review. Generates with COPY into a fresh firm
ACCOUNTS accounts (default 10000) of one segment, each holding 20 of 30 securities, and DAYS
trading days (default 250) of random-walk closes, then times threshold_review_run over the
segment for 3 bands (reads, drift paths by drift.calc.drift, replay of each band).
Prints one JSON line last. Run:
DATABASE_URL=… REDIS_URL=… .venv/bin/python bench/bench_threshold_review.py
"""

import json
import os
import sys
import time
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import connection, transaction  # noqa: E402
from harness import bench_firm, copy_rows, ids, peak_rss_mb  # noqa: I001  (sets Django up: import it first)

from firms.services.db_security import owner_role  # noqa: E402
from firms.services.tenancy import firm_scope  # noqa: E402
from portfolios.calc.market_calendar import previous_trading_day, trading_days  # noqa: E402
from reporting.services.threshold_review import threshold_review_run  # noqa: E402

N = int(os.environ.get("ACCOUNTS", "10000"))
DAYS = int(os.environ.get("DAYS", "250"))
BANDS = [Decimal("3"), Decimal("5"), Decimal("7")]
PER_ACCOUNT = 20
SEED = 20261009
CLASSES = (
    ["us_equity"] * 9
    + ["intl_equity"] * 5
    + ["emerging_equity"] * 3
    + ["fixed_income"] * 8
    + ["real_estate"] * 2
    + ["alternatives"] * 2
    + ["cash"]
)
MODELS = {
    "Conservative": {0: 25, 9: 5, 17: 65, 29: 5},
    "Balanced": {0: 40, 9: 15, 14: 5, 17: 35, 29: 5},
    "Growth": {0: 50, 9: 20, 14: 10, 25: 5, 27: 10, 17: 5},
    "All weather": {0: 30, 9: 10, 17: 40, 25: 10, 27: 5, 29: 5},
}


def replay_days() -> list:
    end = previous_trading_day(pd.Timestamp.now(tz="America/New_York").date())
    days = trading_days(end - pd.Timedelta(days=int(DAYS * 1.6) + 20), end)
    return days[-DAYS:]


def _prices(firm_id, sid, days, rng) -> pd.DataFrame:
    n_sec = len(CLASSES)
    vol = np.array([0.004 if c == "fixed_income" else 0.012 for c in CLASSES])
    walk = 100 * np.exp(np.cumsum(rng.normal(0.0002, vol, (len(days), n_sec)), axis=0))
    walk[:, -1] = 1.0
    return pd.DataFrame(
        {
            "firm_id": firm_id,
            "security_id": np.tile(sid, len(days)),
            "date": np.repeat([d.isoformat() for d in days], n_sec),
            "close": walk.ravel().round(4),
        }
    )


def _book(firm_id, rng):
    n_sec = len(CLASSES)
    copy_rows(
        "portfolios_custodian",
        pd.DataFrame(
            [
                {
                    "firm_id": firm_id,
                    "code": "sim",
                    "name": "Simulated",
                    "fee_per_trade": 0,
                    "fee_bps": 1,
                    "spread_bps": 2,
                    "supports_fractional": True,
                    "adapter": "simulated",
                }
            ]
        ),
    )
    cust = ids("portfolios_custodian", firm_id, "id")[0]
    symbols = [f"S{i:02d}" if CLASSES[i] != "cash" else "CASH" for i in range(n_sec)]
    copy_rows(
        "portfolios_security",
        pd.DataFrame(
            {
                "firm_id": firm_id,
                "symbol": symbols,
                "name": symbols,
                "asset_class": CLASSES,
                "security_type": ["cash" if c == "cash" else "etf" for c in CLASSES],
                "liquidity": "daily",
                "diversified": True,
            }
        ),
    )
    by_symbol = dict(
        zip(
            ["CASH"] + [f"S{i:02d}" for i in range(n_sec - 1)],
            ids("portfolios_security", firm_id, "symbol"),
        )
    )
    sid = np.array([by_symbol[s] for s in symbols])
    copy_rows(
        "portfolios_modelportfolio",
        pd.DataFrame({"firm_id": firm_id, "name": list(MODELS), "description": "bench"}),
    )
    model_by_name = dict(zip(sorted(MODELS), ids("portfolios_modelportfolio", firm_id, "name")))
    copy_rows(
        "portfolios_modeltarget",
        pd.DataFrame(
            [
                {
                    "firm_id": firm_id,
                    "model_id": model_by_name[m],
                    "asset_class": CLASSES[i],
                    "security_id": sid[i],
                    "weight": w,
                }
                for m, ws in MODELS.items()
                for i, w in ws.items()
            ]
        ),
    )
    copy_rows(
        "portfolios_client",
        pd.DataFrame(
            {
                "firm_id": firm_id,
                "name": [f"Client {i}" for i in range(N)],
                "email": [f"c{i:07d}@bench.test" for i in range(N)],
                "alternatives_eligible": True,
                "short_term_tax_rate": 0.37,
                "long_term_tax_rate": 0.2,
            }
        ),
    )
    model_idx = rng.integers(0, len(MODELS), N)
    names = list(MODELS)
    copy_rows(
        "portfolios_account",
        pd.DataFrame(
            {
                "firm_id": firm_id,
                "number": [f"T{i:08d}" for i in range(N)],
                "client_id": ids("portfolios_client", firm_id, "email"),
                "registration": "taxable",
                "tax_status": "taxable",
                "custodian_id": cust,
                "segment": "growth",
                "risk_profile": "balanced",
                "model_id": [model_by_name[names[k]] for k in model_idx],
            }
        ),
    )
    return sid, model_idx, ids("portfolios_account", firm_id, "number")


def generate(firm_id: int, days: list) -> None:
    rng = np.random.default_rng(SEED)
    with owner_role(), transaction.atomic():
        sid, model_idx, account_ids = _book(firm_id, rng)
        copy_rows("portfolios_price", _prices(firm_id, sid, days, rng))
        n_sec = len(CLASSES)
        held = np.argsort(rng.random((N, n_sec)), axis=1)[:, :PER_ACCOUNT]
        qty = np.round(rng.lognormal(np.log(100), 0.8, (N, PER_ACCOUNT)), 3) + 0.001
        copy_rows(
            "portfolios_position",
            pd.DataFrame(
                {
                    "firm_id": firm_id,
                    "account_id": np.repeat(account_ids, PER_ACCOUNT),
                    "security_id": sid[held.ravel()],
                    "quantity": qty.ravel(),
                }
            ),
        )
    with owner_role(), connection.cursor() as cur:
        for table in ("portfolios_position", "portfolios_account", "portfolios_price"):
            cur.execute(f"ANALYZE {table}")


def main() -> None:
    firm = bench_firm("review")
    days = replay_days()
    t = time.perf_counter()
    generate(firm.pk, days)
    print(
        f"generated {N} accounts × {len(days)} days in {time.perf_counter() - t:.1f}s",
        file=sys.stderr,
    )
    with firm_scope(firm):
        t = time.perf_counter()
        review = threshold_review_run(
            firm_id=firm.pk, segment="growth", thresholds=BANDS, start=days[0], end=days[-1]
        )
        seconds = time.perf_counter() - t
    for row in review.rows:
        print({k: str(v) for k, v in row.items()}, file=sys.stderr)
    peak = peak_rss_mb()
    print(
        json.dumps(
            {
                "bench": "threshold_review",
                "accounts": review.accounts,
                "days": len(review.days),
                "thresholds": len(BANDS),
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(peak, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
