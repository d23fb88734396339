"""Which findings the proposal builder could have avoided (issue 16): the measure that the
builder constructs what compliance accepts. One definition, used by the demo test and the
drift bench; the builder's side of each case is in drift.services.wash_avoid.

- wash sale: a proposed loss sale washing a purchase is avoidable (the builder sells gain lots
  only, or leaves the sale undone); a proposed buy washing a loss sale is avoidable when a
  substitute is on file (the check suggests one), not when none is (the proposal says why);
- liquidity: avoidable when the proposal buys (the builder finances buys above the firm's
  minimum); cash already short with nothing bought is for a person;
- concentration: avoidable when a buy takes the security over the limit; a holding already
  over the limit before the proposal is for a person;
- suitability: never (the model assigned versus the client's profile is a person's call).
"""

from .checks import CHECKS
from .checks.base import after_trades
from .selectors import check_inputs, rules_enabled


def finding_avoidable(kind: str, figures: dict, suggestion: dict) -> bool:
    if kind == "wash_sale":
        substituted = {r["symbol"] for r in suggestion.get("replace", [])}
        return any(
            m["trade"].startswith("sell ") or m["trade"].removeprefix("buy ") in substituted
            for m in figures.get("matches", [])
        )
    if kind == "liquidity":
        return suggestion.get("action") == "scale_buys"
    if kind == "concentration":
        return suggestion.get("action") == "cap_buy"
    return False


def avoidable_findings(*, firm_id: int, proposal_ids) -> dict[int, list[str]]:
    """Run the firm's enabled checks on `proposal_ids` (nothing stored) and return proposal id →
    the kinds of its avoidable findings, for the proposals that have any."""
    ids = list(map(int, proposal_ids))
    if not ids:
        return {}
    rules = rules_enabled()
    window = next((r.params.get("window_days", 30) for r in rules if r.kind == "wash_sale"), 30)
    inputs = check_inputs(firm_id=firm_id, proposal_ids=ids, window_days=window)
    after = after_trades(inputs)
    out: dict[int, list[str]] = {}
    for rule in rules:
        for pid, o in CHECKS[rule.kind](inputs, rule.params, after).items():
            if finding_avoidable(rule.kind, o.figures, o.suggestion):
                out.setdefault(pid, []).append(rule.kind)
    return out
