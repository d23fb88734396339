"""Benchmark of the trade batch. Generates its own book with COPY into a fresh firm:
PROPOSALS accounts (default 10000) on the simulated custodian, each with an approved proposal
of three trades (one sell naming its lot, two buys), then times one batch run: outbox written,
blocks sent, fills allocated, positions/lots/transactions updated, proposals settled.
Prints one JSON line last. Run:
    DATABASE_URL=… REDIS_URL=… .venv/bin/python bench/bench_trade_batch.py
"""

import json
import os
import sys
import time
from datetime import date

import numpy as np
import pandas as pd
from django.db import connection, transaction  # noqa: E402
from harness import bench_firm, copy_rows, ids  # noqa: I001  (sets Django up: import it first)

from firms.services.db_security import owner_role  # noqa: E402
from firms.services.tenancy import firm_scope  # noqa: E402
from trading.models import Order  # noqa: E402
from trading.services.batch import batch_run  # noqa: E402

N = int(os.environ.get("PROPOSALS", "10000"))
AS_OF, TRADE_DAY = date(2026, 11, 24), date(2026, 11, 25)
N_SEC = 20
TYPES = ["etf"] * 14 + ["stock"] * 4 + ["mutual_fund"] * 2


def _book(firm_id: int, rng) -> tuple:
    copy_rows(
        "portfolios_custodian",
        pd.DataFrame(
            [
                {
                    "firm_id": firm_id,
                    "code": "sim",
                    "name": "Simulated",
                    "fee_per_trade": 1,
                    "fee_bps": 0.5,
                    "spread_bps": 2,
                    "supports_fractional": False,
                    "adapter": "simulated",
                }
            ]
        ),
    )
    cust = ids("portfolios_custodian", firm_id)[0]
    copy_rows(
        "portfolios_security",
        pd.DataFrame(
            {
                "firm_id": firm_id,
                "symbol": [f"S{i:02d}" for i in range(N_SEC)],
                "name": [f"Security {i}" for i in range(N_SEC)],
                "asset_class": "us_equity",
                "security_type": TYPES,
                "liquidity": "daily",
                "diversified": True,
            }
        ),
    )
    sec = ids("portfolios_security", firm_id, "symbol")
    closes = rng.uniform(20, 400, N_SEC).round(2)
    copy_rows(
        "portfolios_price",
        pd.DataFrame({"firm_id": firm_id, "security_id": sec, "date": AS_OF, "close": closes}),
    )
    copy_rows(
        "portfolios_custodiansecurity",
        pd.DataFrame({"firm_id": firm_id, "custodian_id": cust, "security_id": sec}),
    )
    copy_rows(
        "portfolios_modelportfolio",
        pd.DataFrame([{"firm_id": firm_id, "name": "Bench", "description": "bench"}]),
    )
    model = ids("portfolios_modelportfolio", firm_id)[0]
    copy_rows(
        "portfolios_client",
        pd.DataFrame(
            {
                "firm_id": firm_id,
                "name": [f"Client {i}" for i in range(N)],
                "email": [f"c{i:07d}@bench.test" for i in range(N)],
                "alternatives_eligible": False,
                "short_term_tax_rate": 0.37,
                "long_term_tax_rate": 0.2,
            }
        ),
    )
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
                "model_id": model,
            }
        ),
    )
    return sec, closes, ids("portfolios_account", firm_id, "number")


def _proposals(firm_id: int, rng, sec, closes, accounts) -> None:
    held = rng.integers(0, N_SEC, N)
    qty = rng.integers(50, 500, N)
    copy_rows(
        "portfolios_position",
        pd.DataFrame(
            {"firm_id": firm_id, "account_id": accounts, "security_id": sec[held], "quantity": qty}
        ),
    )
    copy_rows(
        "portfolios_taxlot",
        pd.DataFrame(
            {
                "firm_id": firm_id,
                "account_id": accounts,
                "security_id": sec[held],
                "acquired_on": "2024-01-02",
                "quantity": qty,
                "cost_basis": (qty * closes[held] * 0.8).round(2),
            }
        ),
    )
    lots = dict(zip(accounts, ids("portfolios_taxlot", firm_id, "account_id")))
    now = pd.Timestamp.now(tz="UTC").isoformat()
    copy_rows(
        "drift_proposal",
        pd.DataFrame(
            {
                "firm_id": firm_id,
                "account_id": accounts,
                "version": 1,
                "kind": "full",
                "source": "scan",
                "status": "approved",
                "as_of": AS_OF,
                "created_at": now,
                "status_changed_at": now,
                "content_hash": "0" * 64,
                "total_value": 100000,
                "cash_amount": 0,
                "trade_value": 0,
                "est_costs": 0,
                "est_tax": 0,
                "realised_st": 0,
                "realised_lt": 0,
                "drift_before": 6,
                "drift_after": 0,
                "allocation": "{}",
                "flags": "{}",
                "undone": "[]",
            }
        ),
    )
    props = ids("drift_proposal", firm_id, "account_id")
    # Compliance cleared each one: the batch checks the routable gate before sending.
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO compliance_compliancereview (firm_id, proposal_id, status, checked_at, "
            "reason)"
            " SELECT firm_id, id, 'clear', now(), '' FROM drift_proposal WHERE firm_id = %s",
            [firm_id],
        )
    sell_q = np.maximum(1, qty // 3)
    buys = [(held + k) % N_SEC for k in (1, 2)]
    trades = [
        pd.DataFrame(
            {
                "proposal_id": props,
                "security_id": sec[held],
                "side": "sell",
                "quantity": sell_q,
                "price": closes[held],
                "lots": [
                    json.dumps(
                        [{"lot": int(lots[a]), "quantity": int(q), "gain": 0, "term": "long"}]
                    )
                    for a, q in zip(accounts, sell_q)
                ],
            }
        )
    ]
    trades += [
        pd.DataFrame(
            {
                "proposal_id": props,
                "security_id": sec[b],
                "side": "buy",
                "quantity": rng.integers(1, 40, N),
                "price": closes[b],
                "lots": "[]",
            }
        )
        for b in buys
    ]
    t = pd.concat(trades, ignore_index=True)
    t["value"] = (t["quantity"] * t["price"]).round(2)
    copy_rows(
        "drift_proposaltrade",
        t.assign(firm_id=firm_id, realised_st=0, realised_lt=0)[
            [
                "firm_id",
                "proposal_id",
                "security_id",
                "side",
                "quantity",
                "price",
                "value",
                "realised_st",
                "realised_lt",
                "lots",
            ]
        ],
    )


def generate(firm_id: int) -> None:
    rng = np.random.default_rng(20261125)
    with owner_role(), transaction.atomic():
        sec, closes, accounts = _book(firm_id, rng)
        _proposals(firm_id, rng, sec, closes, accounts)
    with owner_role(), connection.cursor() as cur:
        # Every table the generator loaded, as autovacuum (off on the shared server) would have
        # analysed it: a table left with the statistics of another firm's book gets plans that
        # walk that firm's rows.
        for table in (
            "portfolios_custodian",
            "portfolios_security",
            "portfolios_custodiansecurity",
            "portfolios_client",
            "portfolios_account",
            "compliance_compliancereview",
            "drift_proposal",
            "drift_proposaltrade",
            "portfolios_position",
            "portfolios_taxlot",
            "portfolios_price",
        ):
            cur.execute(f"ANALYZE {table}")


def main() -> None:
    firm = bench_firm("batch")
    t = time.perf_counter()
    generate(firm.pk)
    print(f"generated {N} approved proposals in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    with firm_scope(firm):
        t = time.perf_counter()
        batch = batch_run(firm_id=firm.pk, trade_date=TRADE_DAY)
        seconds = time.perf_counter() - t
        orders = Order.objects.filter(batch=batch).count()
    print(f"counts: {batch.counts}", file=sys.stderr)
    print(
        json.dumps(
            {
                "bench": "trade_batch",
                "proposals": N,
                "orders": orders,
                "seconds": round(seconds, 3),
                "orders_per_s": round(orders / seconds, 1) if seconds else None,
            }
        )
    )


if __name__ == "__main__":
    main()
