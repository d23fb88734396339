"""Liquidity: the cash left after the trades stays at or above a minimum amount and share."""

from decimal import Decimal

import pandas as pd

from core.formatting import fixed, money

from .frames import CheckInputs, Outcome, after_trades


def liquidity_check(
    inputs: CheckInputs, params: dict, after: pd.DataFrame | None = None
) -> dict[int, Outcome]:
    after = after_trades(inputs) if after is None else after
    cash = after[after["security_type"] == "cash"].set_index("proposal_id")
    floor_amount, floor_pct = (
        float(Decimal(params["min_cash_amount"])),
        float(Decimal(params["min_cash_pct"])),
    )
    required = (cash["total"] * floor_pct / 100.0).clip(lower=floor_amount)
    short = cash[(cash["after"] < floor_amount - 0.005) | (cash["weight"] < floor_pct)]
    buys = after[after["bought"] > 0].groupby("proposal_id")["bought"].sum()
    return {
        int(pid): _outcome(r, required[pid], float(buys.get(pid, 0.0)), params)
        for pid, r in short.iterrows()
    }


def _outcome(r, required: float, bought: float, params: dict) -> Outcome:
    shortfall = required - r["after"]
    figures = {
        "cash_after": fixed(r["after"]),
        "cash_pct": fixed(r["weight"]),
        "min_cash_amount": params["min_cash_amount"],
        "min_cash_pct": params["min_cash_pct"],
        "required": fixed(required),
        "shortfall": fixed(shortfall),
    }
    message = (
        f"Cash after the trades would be {money(figures['cash_after'])} "
        f"({figures['cash_pct']}%), below the minimum of {money(figures['required'])}."
    )
    if bought <= 0:
        return Outcome(
            message,
            figures,
            {
                "action": "raise_cash",
                "text": f"Sell {money(figures['shortfall'])} more to keep the cash floor.",
            },
        )
    factor = max(bought - shortfall, 0.0) / bought
    return Outcome(
        message,
        figures,
        {
            "action": "scale_buys",
            "factor": f"{factor:.4f}",
            "text": f"Scale the buys to {factor * 100:.2f}% ({money(fixed(bought * factor))} "
            f"instead of {money(fixed(bought))}) to keep the cash floor.",
        },
    )
