"""Report charts: the product's one SVG helper (portfolios.calc.charts) fed with report figures."""

from portfolios.calc.charts import bars, line_chart, multi_line

__all__ = ["daily_drift_chart", "rate_chart", "drift_before_after_chart", "multi_line"]


def daily_drift_chart(daily: list[dict]):
    points = [(d["as_of"].isoformat(), d["avg_drift"]) for d in daily]
    return line_chart(
        points, title="Average portfolio drift per day (percentage points)", unit=" pp"
    )


def rate_chart(rows: list[dict], *, title: str):
    return bars([(r["group"], r["approval_rate"]) for r in rows], title=title, unit="%", top=100.0)


def drift_before_after_chart(activity: dict):
    rows = [
        ("Before rebalancing", activity["avg_drift_before"]),
        ("After rebalancing", activity["avg_drift_after"]),
    ]
    return bars(
        [r for r in rows if r[1] is not None], title="Average portfolio drift (pp)", unit=" pp"
    )


def metrics_charts(d: dict) -> dict:
    months = d["month"]
    return {
        "advisor": rate_chart(d["advisor"], title="Approval rate by advisor"),
        "segment": rate_chart(d["segment"], title="Approval rate by segment"),
        "account_type": rate_chart(d["account_type"], title="Approval rate by account type"),
        "over_time": multi_line(
            {"Approval rate %": [(m["group"], m["approval_rate"]) for m in months]},
            title="Approval rate per month",
            unit="%",
        ),
        "timing": multi_line(
            {
                "Hours to approve (median)": [
                    (m["group"], m["median_hours_to_approve"]) for m in months
                ],
                "Hours approval → fill": [(m["group"], m["avg_hours_to_fill"]) for m in months],
            },
            title="Time to approve and to fill, per month",
            unit=" h",
        ),
        "drift": multi_line(
            {
                "Drift before": [(m["group"], m["drift_before"]) for m in months],
                "Drift after": [(m["group"], m["drift_after"]) for m in months],
            },
            title="Average portfolio drift before and after rebalancing, per month",
            unit=" pp",
        ),
    }


def threshold_charts(review) -> dict:
    """Side by side per band: alerts and average drift as bars, and drift per day as lines."""
    label = lambda r: f"{r['threshold'].normalize()} pp"  # noqa: E731
    return {
        "alerts": bars(
            [(label(r), r["alerts"]) for r in review.rows],
            title="Alerts (account-days breaching) per band",
        ),
        "costs": bars(
            [(label(r), r["costs"]) for r in review.rows], title="Estimated costs per band ($)"
        ),
        "drift": multi_line(
            review.daily, title="Average portfolio drift per day, per band", unit=" pp"
        ),
    }
