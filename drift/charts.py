"""Drift charts: the product's one SVG helper (portfolios.calc.charts) fed with drift data."""

from portfolios.calc.charts import grouped_bars, line_chart

__all__ = ["drift_history_chart", "proposal_allocation_chart"]


def drift_history_chart(snapshots, band=None):
    points = [(s.as_of.isoformat(), s.portfolio_drift) for s in snapshots]
    return line_chart(
        points, title="Portfolio drift (percentage points)", unit=" pp", threshold=band
    )


def proposal_allocation_chart(rows):
    return grouped_bars(
        [(r["label"], r["current"], r["proposed"]) for r in rows],
        title="Current vs proposed allocation",
        labels=("Current", "Proposed"),
    )
