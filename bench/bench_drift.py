"""Benchmark of the drift scan. Generates its own book with COPY into a fresh firm
(ACCOUNTS accounts x 20 positions, default 100000), then times:
  floor_s     reading the scan's input rows (positions with prices, targets, accounts);
  raw_floor_s the physical read: a plain COPY (SELECT account_id, security_id, quantity …) TO
              STDOUT of the firm's positions, the bytes discarded (the least any scan reads);
  scan_s      the whole scan: inputs read, drift computed, snapshots written, breaches found;
              both timed on each of three days (DAYS) and reported as medians (floor_runs,
              scan_runs list every run);
  avoidable_findings  proposals with a compliance finding the builder could have avoided
              (compliance.calc.avoidable; untimed): 0 when the builder constructs what compliance
              accepts;
  proposal_s  proposals built, written and committed for the breaching accounts and the tax-loss
              harvests (lots read, harvests found, plan, COPY, INSERT, and the commit, where
              PostgreSQL checks every new
              row's foreign keys); "harvests" counts the harvests proposed.
LOTS= chooses the tax lots' cost basis:
  market (default)  each lot cost what its security traded at on the day it was bought, along a
                    simulated price path (three years of daily moves: a common market factor,
                    asset-class and idiosyncratic moves, see PATHS), plus 0.5% noise for the fill.
                    About 4% of lots are 10% or more under water: an ordinary day.
  harsh             cost spread uniformly ±30% around today's value: a third of all lots are 10%
                    or more under water, a bear-market day on which nearly every taxable account
                    harvests (the bench's original data).
Prints one JSON line last. Run: DATABASE_URL=… REDIS_URL=… .venv/bin/python bench/bench_drift.py
"""

import json
import os
import statistics
import sys
import time
from datetime import date

import numpy as np
import pandas as pd
from django.db import DatabaseError, connection, transaction  # noqa: E402
from harness import bench_firm, copy_rows, ids, peak_rss_mb  # noqa: I001  (sets Django up: import it first)

from compliance.services.checks import avoidable_findings  # noqa: E402
from compliance.services.rules import compliance_rules_ensure_defaults  # noqa: E402
from drift.models import Proposal  # noqa: E402
from drift.selectors.scan import scan_inputs  # noqa: E402
from drift.services.scan import drift_scan_run  # noqa: E402
from firms.services.db_security import owner_role  # noqa: E402
from firms.services.tenancy import firm_scope  # noqa: E402

N = int(os.environ.get("ACCOUNTS", "100000"))
LOTS = os.environ.get("LOTS", "market")
assert LOTS in ("market", "harsh"), "LOTS must be market or harsh"
PER_ACCOUNT = 20
AS_OF = date(2026, 11, 24)
# Three trading days with closes: the scan is timed on each (a full first scan of that day) and
# the medians are reported, since the machine's two cores are shared.
DAYS = [date(2026, 11, 20), date(2026, 11, 23), AS_OF]
SEED = 20261124

CLASSES = (
    ["us_equity"] * 9
    + ["intl_equity"] * 5
    + ["emerging_equity"] * 3
    + ["fixed_income"] * 8
    + ["real_estate"] * 2
    + ["alternatives"] * 2
    + ["cash"]
)
TYPES = (
    ["etf"] * 6
    + ["stock"] * 3
    + ["etf"] * 3
    + ["mutual_fund"] * 2
    + ["etf"] * 3
    + ["etf"] * 5
    + ["mutual_fund"] * 3
    + ["etf"] * 2
    + ["alternative"] * 2
    + ["cash"]
)
# model -> {security index: weight}
MODELS = {
    "Conservative": {0: 25, 9: 5, 17: 65, 29: 5},
    "Balanced": {0: 40, 9: 15, 14: 5, 17: 35, 29: 5},
    "Growth": {0: 50, 9: 20, 14: 10, 25: 5, 27: 10, 17: 5},
    "All weather": {0: 30, 9: 10, 17: 40, 25: 10, 27: 5, 29: 5},
}


# LOTS=market: each security's daily log return = its class's yearly drift / 365 + beta x a
# common market move (14% a year) + its asset class's own move + its own (idiosyncratic) move.
# class: (yearly drift, beta to the market, class volatility); type: idiosyncratic volatility.
PATHS = {
    "us_equity": (0.07, 1.0, 0.03),
    "intl_equity": (0.06, 0.9, 0.08),
    "emerging_equity": (0.07, 1.1, 0.12),
    "fixed_income": (0.03, 0.1, 0.05),
    "real_estate": (0.06, 0.8, 0.12),
    "alternatives": (0.05, 0.3, 0.08),
    "cash": (0.0, 0.0, 0.0),
}
IDIOSYNCRATIC = {"etf": 0.02, "mutual_fund": 0.02, "stock": 0.25, "alternative": 0.08, "cash": 0.0}
MARKET_VOL, HISTORY_DAYS = 0.14, 1100


def price_history(closes: np.ndarray) -> np.ndarray:
    """[security, days ago] -> price: correlated random walks that end at today's closes. With
    this seed the market is up 6% on the year and about 4% of lots are 10% or more under water
    (other seeds: 2-5% in most years, 20-38% in a bear market, like LOTS=harsh)."""
    rng = np.random.default_rng(SEED + 1)
    day = np.sqrt(365)
    market = rng.normal(0, MARKET_VOL / day, HISTORY_DAYS)
    by_class = {c: rng.normal(0, vol / day, HISTORY_DAYS) for c, (_mu, _beta, vol) in PATHS.items()}
    back = []
    for cls, kind in zip(CLASSES, TYPES):
        mu, beta, _vol = PATHS[cls]
        steps = (
            mu / 365
            + beta * market
            + by_class[cls]
            + rng.normal(0, IDIOSYNCRATIC[kind] / day, HISTORY_DAYS)
        )
        back.append(np.r_[0.0, np.cumsum(steps)])  # log return from k days ago to today
    return closes[:, None] * np.exp(-np.array(back))


def _skip_key_checks() -> None:
    """A superuser's bulk load skips the foreign-key triggers for this transaction (the rows
    are consistent by construction): at a million accounts the 40 million deferred key checks
    queued by COPY cost more than the COPY itself. Without superuser the keys are checked."""
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cur.fetchone()[0]:
            cur.execute("SET LOCAL session_replication_role = replica")


def generate(firm_id: int) -> None:
    rng = np.random.default_rng(SEED)
    n_sec = len(CLASSES)
    with owner_role(), transaction.atomic():
        _skip_key_checks()
        copy_rows(
            "portfolios_custodian",
            pd.DataFrame(
                [
                    {
                        "firm_id": firm_id,
                        "code": "sim",
                        "name": "Simulated",
                        "fee_per_trade": 0,
                        "fee_bps": 0,
                        "spread_bps": 2,
                        "supports_fractional": True,
                        "adapter": "simulated",
                    }
                ]
            ),
        )
        cust = ids("portfolios_custodian", firm_id, "id")[0]
        sec = pd.DataFrame(
            {
                "firm_id": firm_id,
                "symbol": [f"S{i:02d}" if CLASSES[i] != "cash" else "CASH" for i in range(n_sec)],
                "name": [f"Security {i}" for i in range(n_sec)],
                "asset_class": CLASSES,
                "security_type": TYPES,
                "liquidity": "daily",
                "diversified": True,
            }
        )
        copy_rows("portfolios_security", sec)
        sec_ids = ids("portfolios_security", firm_id, "symbol")  # CASH sorts first, then S00…
        order = ["CASH"] + [f"S{i:02d}" for i in range(n_sec - 1)]
        sec_id = dict(zip(order, sec_ids))
        sid = np.array([sec_id[s] for s in sec["symbol"]])
        closes = rng.uniform(20, 400, n_sec).round(2)
        closes[-1] = 1.0
        prices = pd.concat(
            [
                pd.DataFrame({"firm_id": firm_id, "security_id": sid, "date": d, "close": closes})
                for d in DAYS
            ]
        )
        copy_rows("portfolios_price", prices)
        # Tax-loss harvesting: each security's substitute is the next one of its asset class.
        subs = [
            {"firm_id": firm_id, "security_id": sid[i], "substitute_id": sid[j], "rank": 1}
            for i in range(n_sec)
            for j in [next((k for k in range(i + 1, n_sec) if CLASSES[k] == CLASSES[i]), None)]
            if j is not None and CLASSES[i] != "cash"
        ]
        copy_rows("compliance_substitute", pd.DataFrame(subs))
        copy_rows(
            "portfolios_modelportfolio",
            pd.DataFrame({"firm_id": firm_id, "name": list(MODELS), "description": "bench"}),
        )
        model_ids = ids("portfolios_modelportfolio", firm_id, "name")
        model_by_name = dict(zip(sorted(MODELS), model_ids))
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
        client_ids = ids("portfolios_client", firm_id, "email")
        model_idx = rng.integers(0, len(MODELS), N)
        names = list(MODELS)
        taxable = rng.random(N) < 0.6
        copy_rows(
            "portfolios_account",
            pd.DataFrame(
                {
                    "firm_id": firm_id,
                    "number": [f"B{i:08d}" for i in range(N)],
                    "client_id": client_ids,
                    "registration": np.where(taxable, "taxable", "ira"),
                    "tax_status": np.where(taxable, "taxable", "tax_advantaged"),
                    "custodian_id": cust,
                    "segment": rng.choice(
                        ["conservative", "growth", "tax_sensitive", "high_net_worth"], N
                    ),
                    "risk_profile": "balanced",
                    "model_id": [model_by_name[names[k]] for k in model_idx],
                }
            ),
        )
        account_ids = ids("portfolios_account", firm_id, "number")
        # Each account holds its model's securities plus others up to 20 distinct ones.
        weight = np.zeros((len(MODELS), n_sec))
        for k, m in enumerate(names):
            for i, w in MODELS[m].items():
                weight[k, i] = w
        priority = rng.random((N, n_sec))
        priority[weight[model_idx] > 0] = -1.0
        priority[:, n_sec - 1] = np.where(weight[model_idx, n_sec - 1] > 0, -1.0, 9.0)
        held = np.argsort(priority, axis=1)[:, :PER_ACCOUNT]
        w = np.take_along_axis(weight[model_idx], held, axis=1)
        w = np.where(w > 0, w * rng.lognormal(0, 0.12, w.shape), rng.uniform(0.1, 0.8, w.shape))
        w = w / w.sum(axis=1, keepdims=True)
        total = rng.lognormal(np.log(250_000), 0.9, N)[:, None]
        value = w * total
        qty = np.round(value / closes[held], 3)
        qty[qty <= 0] = 0.001
        flat_acct = np.repeat(account_ids, PER_ACCOUNT)
        flat_sec = sid[held.ravel()]
        copy_rows(
            "portfolios_position",
            pd.DataFrame(
                {
                    "firm_id": firm_id,
                    "account_id": flat_acct,
                    "security_id": flat_sec,
                    "quantity": qty.ravel(),
                }
            ),
        )
        lot_mask = held.ravel() != n_sec - 1  # no lots for cash
        days_ago = rng.integers(30, 1100, lot_mask.sum())
        acquired = pd.Timestamp(AS_OF) - pd.to_timedelta(days_ago, unit="D")
        harsh = value.ravel()[lot_mask] * rng.uniform(0.7, 1.3, lot_mask.sum())
        if LOTS == "harsh":
            cost = harsh
        else:
            paid = price_history(closes)[held.ravel()[lot_mask], days_ago]
            cost = (
                qty.ravel()[lot_mask]
                * paid
                * np.random.default_rng(SEED + 2).normal(1.0, 0.005, lot_mask.sum())
            )
        copy_rows(
            "portfolios_taxlot",
            pd.DataFrame(
                {
                    "firm_id": firm_id,
                    "account_id": flat_acct[lot_mask],
                    "security_id": flat_sec[lot_mask],
                    "acquired_on": acquired.strftime("%Y-%m-%d"),
                    "quantity": qty.ravel()[lot_mask],
                    "cost_basis": cost.round(2),
                }
            ),
        )
    with owner_role(), connection.cursor() as cur:
        # What autovacuum (off on the shared server) would have done after a bulk load: hint
        # bits and visibility map set, statistics fresh. Then a checkpoint, so the generator's
        # gigabyte of WAL is not flushed by a checkpoint in the middle of the timed runs.
        for table in (
            "portfolios_position",
            "portfolios_taxlot",
            "portfolios_account",
            "portfolios_price",
        ):
            cur.execute(f"VACUUM ANALYZE {table}")
        try:
            cur.execute("CHECKPOINT")
        except DatabaseError as exc:  # not superuser (nor pg_checkpoint): the runs may include one
            print(f"no CHECKPOINT before the timed runs: {exc}".strip(), file=sys.stderr)


def raw_floor(firm_id: int) -> float:
    """Seconds to COPY the firm's positions out, discarding the bytes: the physical read."""
    t = time.perf_counter()
    with connection.cursor() as cur:
        with cur.copy(
            "COPY (SELECT account_id, security_id, quantity FROM portfolios_position "
            f"WHERE firm_id = {int(firm_id)}) TO STDOUT"
        ) as copy:
            while copy.read():
                pass
    return time.perf_counter() - t


def main() -> None:
    firm = bench_firm("drift")
    t = time.perf_counter()
    generate(firm.pk)
    print(f"generated {N} accounts in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    with firm_scope(firm):
        floors, scans, raws = [], [], []
        for day in DAYS:
            raws.append(raw_floor(firm.pk))
            t = time.perf_counter()
            inputs = scan_inputs(firm_id=firm.pk, as_of=day)
            floors.append(time.perf_counter() - t)
            positions = len(inputs.positions)
            del inputs
            t = time.perf_counter()
            run = drift_scan_run(firm_id=firm.pk, as_of=day, build_proposals=False)
            scans.append(time.perf_counter() - t)
        floor_s, scan_s = statistics.median(floors), statistics.median(scans)
        raw_floor_s = statistics.median(raws)
        breaches = run.counts["breached"]
        t = time.perf_counter()
        run = drift_scan_run(firm_id=firm.pk, as_of=AS_OF)  # the re-run builds the proposals
        # Everything after the re-run's (unchanged) snapshots, up to and including its commit.
        proposal_s = time.perf_counter() - t - run.counts["timings"]["scan_s"]
        proposals = run.counts["proposals"]
        harvests = run.counts.get("harvests", 0)
        # Does the builder construct what compliance accepts? Findings it could have avoided
        # (untimed).
        compliance_rules_ensure_defaults(firm_id=firm.pk)
        found = avoidable_findings(
            firm_id=firm.pk, proposal_ids=Proposal.objects.values_list("pk", flat=True)
        )
        avoidable = len(found)
        if found:
            print(
                f"avoidable findings by kind: "
                f"{sorted(k for kinds in found.values() for k in kinds)}",
                file=sys.stderr,
            )
    peak = peak_rss_mb()
    print(
        json.dumps(
            {
                "bench": "drift_scan",
                "lots": LOTS,
                "accounts": N,
                "positions": positions,
                "floor_s": round(floor_s, 3),
                "scan_s": round(scan_s, 3),
                "ratio": round(scan_s / floor_s, 2),
                "raw_floor_s": round(raw_floor_s, 3),
                "raw_ratio": round(scan_s / raw_floor_s, 2),
                "breaches": breaches,
                "proposal_s": round(proposal_s, 3),
                "proposals": proposals,
                "harvests": harvests,
                "avoidable_findings": avoidable,
                "proposals_per_s": round(proposals / proposal_s, 1) if proposal_s else None,
                "peak_rss_mb": round(peak, 1),
                "floor_runs": [round(x, 3) for x in floors],
                "raw_floor_runs": [round(x, 3) for x in raws],
                "scan_runs": [round(x, 3) for x in scans],
            }
        )
    )


if __name__ == "__main__":
    main()
