"""A finding's stored figures (machine values) as the review page prints them."""

from compliance.calc.figures import figures_display


def test_liquidity_figures_read_as_labelled_money_and_percentages():
    rows = figures_display(
        {
            "cash_after": "1234.5",
            "cash_pct": "0.50",
            "min_cash_amount": "5000",
            "required": "5000.00",
            "shortfall": "3765.5",
        }
    )
    assert rows == [
        ("Cash after the trades", "$1,234.50"),
        ("Cash share after the trades", "0.50%"),
        ("Minimum cash", "$5,000.00"),
        ("Cash required", "$5,000.00"),
        ("Shortfall", "$3,765.50"),
    ]


def test_a_band_list_and_a_code_are_never_printed_as_python():
    rows = dict(
        figures_display(
            {
                "equity_pct": "72.10",
                "risk_profile": "conservative",
                "band": ["20", "40"],
                "alternatives_bought": ["ALT", "PE1"],
                "some_new_figure": {"a_b": 1},
            }
        )
    )
    assert rows["Equity band"] == "20–40%" and rows["Risk profile"] == "Conservative"
    assert rows["Alternatives bought"] == "ALT, PE1" and rows["Some new figure"] == "a b: 1"
    assert not any(c in v for v in rows.values() for c in "[]{}'")
