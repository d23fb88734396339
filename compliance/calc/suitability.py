"""Suitability: the equity share after the trades inside the band of the account's risk profile;
alternatives bought only for clients marked eligible."""

from decimal import Decimal

import pandas as pd

from core.formatting import fixed
from portfolios.choices import EQUITY_CLASSES, AssetClass, SecurityType

from .frames import CheckInputs, Outcome, after_trades


def suitability_check(
    inputs: CheckInputs, params: dict, after: pd.DataFrame | None = None
) -> dict[int, Outcome]:
    after = after_trades(inputs) if after is None else after
    equity = (
        after[after["asset_class"].isin([str(c) for c in EQUITY_CLASSES])]
        .groupby("proposal_id")["weight"]
        .sum()
    )
    p = inputs.proposals.set_index("proposal_id")
    share = equity.reindex(p.index).fillna(0.0).round(6)
    alt_buys = _alternative_buys(after)
    # Only the proposals outside their band or buying alternatives unasked can fail: find them
    # at once, then word each finding.
    bands = p["risk_profile"].map(lambda r: tuple(float(Decimal(v)) for v in params["bands"][r]))
    low = bands.map(lambda b: b[0]).astype(float)
    high = bands.map(lambda b: b[1]).astype(float)
    may_fail = ~((low <= share) & (share <= high)) | (
        p.index.isin(list(alt_buys)) & ~p["alternatives_eligible"].map(_truthy)
    )
    out: dict[int, Outcome] = {}
    for pid, row in p[may_fail].iterrows():
        problems, figures, suggestion = (
            [],
            {"equity_pct": fixed(share[pid]), "risk_profile": row["risk_profile"]},
            {},
        )
        low, high = (Decimal(v) for v in params["bands"][row["risk_profile"]])
        figures["band"] = [str(low), str(high)]
        if not float(low) <= share[pid] <= float(high):
            problems.append(
                f"equity would be {figures['equity_pct']}% of the account, outside the "
                f"{low}–{high}% band of a {row['risk_profile']} profile"
            )
            suggestion = {"action": "equity_to_band", "text": f"Bring equity inside {low}–{high}%."}
        alts = [] if _truthy(row["alternatives_eligible"]) else alt_buys.get(pid, [])
        if alts:
            figures["alternatives_bought"] = alts
            problems.append(
                f"buys alternatives ({', '.join(alts)}) for a client not marked eligible"
            )
            suggestion = {
                "action": "drop_buys",
                "symbols": alts,
                "text": f"Drop the buys of {', '.join(alts)}.",
            }
        if problems:
            out[int(pid)] = Outcome("Unsuitable: " + "; ".join(problems) + ".", figures, suggestion)
    return out


def _truthy(v) -> bool:
    return v in (True, "t", "true", "True", 1)


def _alternative_buys(after: pd.DataFrame) -> dict[int, list[str]]:
    alt = (after["asset_class"] == AssetClass.ALTERNATIVES) | (
        after["security_type"] == SecurityType.ALTERNATIVE
    )
    rows = after[alt & (after["bought"] > 0)]
    return rows.groupby("proposal_id")["symbol"].agg(sorted).to_dict()
