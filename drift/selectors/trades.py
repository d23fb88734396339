"""A proposal's trade lines as the staff pages show them (the proposal page, the approval page)."""

from ..models import ProposalTrade


def proposal_trade_lines(proposal_id: int) -> list[ProposalTrade]:
    """Sells before buys, by symbol; only the columns a trade row shows."""
    return list(
        ProposalTrade.objects.filter(proposal_id=proposal_id)
        .select_related("security")
        .order_by("side", "security__symbol")
        .only(
            *("proposal_id", "side", "quantity", "price", "value", "realised_st", "realised_lt"),
            *("security__symbol", "security__name"),
        )
    )
