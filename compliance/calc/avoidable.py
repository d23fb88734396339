"""Which findings the proposal builder could have avoided: the measure that the builder
constructs what compliance accepts (the run over proposals is
compliance.services.checks.avoidable_findings; the builder's side of each case is in
drift.services.wash_avoid).

- wash sale: a proposed loss sale washing a purchase is avoidable (the builder sells gain lots
  only, or leaves the sale undone); a proposed buy washing a loss sale is avoidable when a
  substitute is on file (the check suggests one), not when none is (the proposal says why);
- liquidity: avoidable when the proposal buys (the builder finances buys above the firm's
  minimum); cash already short with nothing bought is for a person;
- concentration: avoidable when a buy takes the security over the limit; a holding already
  over the limit before the proposal is for a person;
- suitability: never (the model assigned versus the client's profile is a person's call).
"""


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
