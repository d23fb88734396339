"""Worked examples for the pure drift arithmetic (no database)."""

import math

import pandas as pd
import pytest

from drift.calc.drift import drift_compute

TARGETS = pd.DataFrame(
    {"model_id": [1, 1], "asset_class": ["us_equity", "fixed_income"], "weight": [60.0, 40.0]}
)


def positions(account_id=1, stock_qty=660, bond_qty=680, extra=()):
    rows = [
        (account_id, 10, "us_equity", stock_qty, 100.0),
        (account_id, 20, "fixed_income", bond_qty, 50.0),
        *extra,
    ]
    return pd.DataFrame(
        rows, columns=["account_id", "security_id", "asset_class", "quantity", "price"]
    )


def rules(threshold=5.0, ta=None, rel=None, dollar=None, overrides=None):
    return pd.DataFrame(
        [
            {
                "rule_id": 1,
                "threshold_pp": threshold,
                "threshold_pp_tax_advantaged": ta,
                "relative_pct": rel,
                "dollar_threshold": dollar,
                "class_overrides": overrides or {},
            }
        ]
    )


def accounts(ids=(1,), tax_advantaged=False, model_id=1):
    return pd.DataFrame(
        {
            "account_id": list(ids),
            "model_id": model_id,
            "rule_id": 1,
            "tax_advantaged": tax_advantaged,
        }
    )


def only(result, account_id=1):
    return result.accounts.set_index("account_id").loc[account_id]


def test_sixty_forty_at_sixty_six_breaches_a_five_point_rule():
    acct = only(drift_compute(positions(), TARGETS, accounts(), rules(5)))
    assert acct.breached
    assert acct.portfolio_drift == pytest.approx(6.0)
    assert acct.max_drift == pytest.approx(6.0)
    assert acct.total_value == pytest.approx(100_000)


def test_sixty_forty_at_sixty_six_does_not_breach_a_seven_point_rule():
    assert not only(drift_compute(positions(), TARGETS, accounts(), rules(7))).breached


def test_a_drift_exactly_on_the_band_edge_is_inside_it():
    assert not only(drift_compute(positions(), TARGETS, accounts(), rules(6))).breached


def test_dollar_threshold_fires_on_a_large_account_with_small_weight_drift():
    # $10m at 62/38: two points of drift is $200,000 off target.
    big = positions(stock_qty=62_000, bond_qty=76_000)
    assert not only(drift_compute(big, TARGETS, accounts(), rules(5))).breached
    assert only(drift_compute(big, TARGETS, accounts(), rules(5, dollar=150_000))).breached
    assert not only(drift_compute(big, TARGETS, accounts(), rules(5, dollar=250_000))).breached


def test_alternatives_override_of_ten_points_prevents_a_breach_at_eight():
    targets = pd.DataFrame(
        {
            "model_id": [1, 1, 1],
            "asset_class": ["us_equity", "fixed_income", "alternatives"],
            "weight": [50.0, 40.0, 10.0],
        }
    )
    pos = pd.DataFrame(
        [
            (1, 10, "us_equity", 500, 100.0),
            (1, 20, "fixed_income", 640, 50.0),
            (1, 30, "alternatives", 180, 100.0),
        ],
        columns=["account_id", "security_id", "asset_class", "quantity", "price"],
    )  # 50/32/18
    classes = drift_compute(pos, targets, accounts(), rules(7)).classes.set_index("asset_class")
    assert classes.loc["alternatives", "drift"] == pytest.approx(8.0)
    assert classes.loc["alternatives", "breach"]  # 8 > 7 without an override
    result = drift_compute(pos, targets, accounts(), rules(7, overrides={"alternatives": 10}))
    classes = result.classes.set_index("asset_class")
    assert classes.loc["alternatives", "band"] == 10
    assert not classes.loc["alternatives", "breach"]
    assert classes.loc["fixed_income", "breach"]  # -8 against its 7-point band still breaches


def test_taxable_and_tax_advantaged_accounts_use_their_own_bands():
    pos = pd.concat([positions(1), positions(2)])
    accts = pd.DataFrame(
        {"account_id": [1, 2], "model_id": 1, "rule_id": 1, "tax_advantaged": [False, True]}
    )
    out = drift_compute(pos, TARGETS, accts, rules(7, ta=5)).accounts.set_index("account_id")
    assert not out.loc[1, "breached"]  # taxable: 7-point band
    assert out.loc[2, "breached"]  # IRA: 5-point band


def test_relative_band_tightens_a_small_target():
    targets = pd.DataFrame(
        {"model_id": [1, 1], "asset_class": ["us_equity", "real_estate"], "weight": [90.0, 10.0]}
    )
    pos = pd.DataFrame(
        [(1, 10, "us_equity", 870, 100.0), (1, 40, "real_estate", 130, 100.0)],
        columns=["account_id", "security_id", "asset_class", "quantity", "price"],
    )  # 87/13
    assert not only(drift_compute(pos, targets, accounts(), rules(5))).breached
    result = drift_compute(pos, targets, accounts(), rules(5, rel=25))  # 25% of 10 = 2.5 points
    assert result.classes.set_index("asset_class").loc["real_estate", "band"] == pytest.approx(2.5)
    assert only(result).breached


def test_portfolio_drift_is_half_the_sum_of_absolute_class_drifts_unheld_and_off_model_too():
    pos = positions(stock_qty=500, bond_qty=600, extra=[(1, 50, "cash", 20_000, 1.0)])  # 50/30/20
    acct = only(drift_compute(pos, TARGETS, accounts(), rules(5)))
    assert acct.portfolio_drift == pytest.approx((10 + 10 + 20) / 2)
    assert acct.max_drift_class == "cash"


def test_missing_price_and_empty_accounts_are_reported_and_never_breach():
    pos = pd.concat([positions(1, stock_qty=0), positions(2)])
    pos.loc[(pos.account_id == 2) & (pos.security_id == 20), "price"] = math.nan
    accts = pd.DataFrame(
        {"account_id": [1, 2, 3], "model_id": 1, "rule_id": 1, "tax_advantaged": False}
    )
    out = drift_compute(pos, TARGETS, accts, rules(5)).accounts.set_index("account_id")
    assert out.loc[1, "status"] == "ok" and out.loc[1, "breached"]
    assert out.loc[2, "status"] == "missing_price" and not out.loc[2, "breached"]
    assert out.loc[3, "status"] == "empty" and not out.loc[3, "breached"]


def test_stale_price_status_wins_over_ok():
    pos = positions()
    pos["price_status"] = ["ok", "stale_price"]
    acct = only(drift_compute(pos, TARGETS, accounts(), rules(5)))
    assert acct.status == "stale_price" and not acct.breached
