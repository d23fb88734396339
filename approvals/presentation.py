"""What a proposal looks like to a reader: allocation rows and chart, trades, costs (pages and PDF)."""

from portfolios.calc.charts import grouped_bars
from portfolios.choices import AssetClass


def allocation_rows(proposal) -> list[dict]:
    labels = dict(AssetClass.choices)
    return [{"label": labels.get(c, c), **v} for c, v in proposal.allocation.items()]


def proposal_review(proposal) -> dict:
    rows = allocation_rows(proposal)
    chart = grouped_bars(
        [(r["label"], r["current"], r["proposed"]) for r in rows],
        title="Current vs proposed allocation",
        labels=("Current", "Proposed"),
    )
    trades = list(
        proposal.trades.select_related("security")
        .order_by("side", "security__symbol")
        .only(
            "proposal_id",
            "side",
            "quantity",
            "price",
            "value",
            "security__symbol",
            "security__name",
        )
    )  # shown
    return {
        "proposal": proposal,
        "rows": rows,
        "chart": chart,
        "trades": trades,
        "est_total": proposal.est_costs + max(proposal.est_tax, 0),
    }
