"""The threshold review against hand-computed figures.

60/40 model (VTI / BND), custodian spread 2 bps, fee 0; three trading days, New York.
closes     VTI  BND   account A (660 VTI, 680 BND)      account B (600 VTI, 800 BND)
Mon 10-05  100  50    66.000 % → drift 6.000            60.000 % → drift 0
Tue 10-06  120  50    79,200/113,200 → drift 9.965      72,000/112,000 → drift 4.286
Wed 10-07  100  50    (held) 6.000                      (held) 0

band 5 pp: A breaches Mon (6 > 5) and is rebalanced to 600/800; Tue both at 4.286, Wed both 0.
           alerts 1 · average drift (6 + 0 + 4.286 + 4.286 + 0 + 0) / 6 = 2.429
           traded 2 × 6 % × 100,000 = 12,000 · costs 12,000 × 2 bps = 2.40
band 3 pp: A Mon (6); Tue A and B (4.286 each), both bought back at 60/40 of 112,000
           (560 VTI, 896 BND); Wed 56,000/100,800 → drift 4.444 for both: alerts 5,
           average (6 + 0 + 4.286 × 2 + 4.444 × 2) / 6 = 3.910
band 7 pp: A Tue (9.965), rebalanced → Wed 4.444; B never: alerts 1,
           average (6 + 0 + 9.965 + 4.286 + 4.444 + 0) / 6 = 4.116
"""

from datetime import date
from decimal import Decimal

import pytest

from firms.services.tenancy import firm_scope
from portfolios.models import Position, Price
from reporting.services.threshold_review import threshold_review_run
from tests.factories import make_book

pytestmark = pytest.mark.django_db
MON, TUE, WED = date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7)


def make_replay_book(firm):
    book = make_book(firm, accounts=2, day=MON)
    b = book["accounts"][1]
    Position.objects.filter(account=b, security=book["stock"]).update(quantity=Decimal("600"))
    Position.objects.filter(account=b, security=book["bond"]).update(quantity=Decimal("800"))
    for day, close in ((TUE, "120"), (WED, "100")):
        Price.objects.create(firm=firm, security=book["stock"], date=day, close=Decimal(close))
        Price.objects.create(firm=firm, security=book["bond"], date=day, close=Decimal("50"))
    return book


@pytest.fixture
def review(firm_a):
    with firm_scope(firm_a):
        make_replay_book(firm_a)
        return threshold_review_run(
            firm_id=firm_a.pk,
            segment="growth",
            thresholds=[Decimal("3"), Decimal("5"), Decimal("7")],
            start=MON,
            end=WED,
        )


def test_alerts_and_average_drift_per_band(review):
    rows = {r["threshold"]: r for r in review.rows}
    assert (review.accounts, len(review.days)) == (2, 3)
    assert {t: r["alerts"] for t, r in rows.items()} == {
        Decimal("3.00"): 5,
        Decimal("5.00"): 1,
        Decimal("7.00"): 1,
    }
    assert {t: r["avg_drift"] for t, r in rows.items()} == {
        Decimal("3.00"): Decimal("3.910"),
        Decimal("5.00"): Decimal("2.429"),
        Decimal("7.00"): Decimal("4.116"),
    }


def test_traded_value_and_costs_of_one_rebalance(review):
    five = next(r for r in review.rows if r["threshold"] == Decimal("5"))
    assert (five["traded"], five["costs"], five["legs"], five["accounts_alerted"]) == (
        Decimal("12000.00"),
        Decimal("2.40"),
        2,
        1,
    )


def test_the_daily_series_start_from_the_same_day(review):
    assert [v for _, v in review.daily["5 pp"]] == [
        Decimal("3.000"),
        Decimal("4.286"),
        Decimal("0.000"),
    ]


def test_a_segment_without_accounts_says_so(firm_a):
    with firm_scope(firm_a):
        make_replay_book(firm_a)
        empty = threshold_review_run(
            firm_id=firm_a.pk,
            segment="institutional",
            thresholds=[Decimal("5")],
            start=MON,
            end=WED,
        )
    assert empty.rows == [] and empty.empty == "This segment has no accounts."


PARAMS = {"segment": "growth", "thresholds": "3, 5, 7", "start": "2026-10-05", "end": "2026-10-07"}


def _url():
    from django.urls import reverse

    return reverse("reporting:threshold_review")


@pytest.mark.parametrize("role", ["compliance_officer", "senior_advisor", "firm_admin"])
def test_the_page_shows_bands_side_by_side_with_a_chart(login, members_a, firm_a, role):
    with firm_scope(firm_a):
        make_replay_book(firm_a)
    page = login(members_a[role]).get(_url(), PARAMS)
    html = page.content.decode()
    assert page.status_code == 200 and html.count("<svg") == 3
    assert "3.910 pp" in html and "4.116 pp" in html and "held constant" in html


def test_advisors_are_refused(login, members_a):
    assert login(members_a["advisor"]).get(_url(), PARAMS).status_code == 403


def test_another_firm_sees_none_of_firm_a_accounts(login, members_a, members_b, firm_a):
    with firm_scope(firm_a):
        make_replay_book(firm_a)
    html = login(members_b["compliance_officer"]).get(_url(), PARAMS).content.decode()
    assert "This segment has no accounts." in html and "3.910" not in html


def test_an_empty_segment_says_so_on_the_page(login, members_a, firm_a):
    with firm_scope(firm_a):
        make_replay_book(firm_a)
    html = (
        login(members_a["compliance_officer"])
        .get(_url(), {**PARAMS, "segment": "institutional"})
        .content.decode()
    )
    assert "This segment has no accounts." in html


@pytest.mark.parametrize(
    "thresholds, message",
    [
        ("3, 5, 7, 9, 11", "one to four thresholds"),
        ("0, 5", "above 0 and at most 50"),
        ("five", "numbers separated by commas"),
    ],
)
def test_bad_thresholds_are_refused_with_a_clear_message(login, members_a, thresholds, message):
    page = login(members_a["compliance_officer"]).get(_url(), {**PARAMS, "thresholds": thresholds})
    assert page.status_code == 400 and message in page.content.decode()


def test_the_form_defaults_to_the_last_250_trading_days(login, members_a):
    from portfolios.calc.market_calendar import trading_days

    form = login(members_a["compliance_officer"]).get(_url()).context["form"]
    start, end = form.initial["start"], form.initial["end"]
    assert len(trading_days(start, end)) == 250 and end < date.today()
