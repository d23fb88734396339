"""The metrics dashboard: figures by advisor, and a query count that does not grow."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from firms.services.tenancy import firm_scope
from portfolios.calc.market_calendar import NEW_YORK
from reporting.selectors.metrics import Period, dashboard

from .helpers import make_month

pytestmark = pytest.mark.django_db
PERIOD = Period(datetime(2026, 9, 1, tzinfo=NEW_YORK), datetime(2027, 1, 1, tzinfo=NEW_YORK))
NOW = datetime(2026, 12, 1, tzinfo=NEW_YORK)


def _queries(firm) -> tuple[int, dict]:
    with firm_scope(firm), CaptureQueriesContext(connection) as ctx:
        data = dashboard(firm_id=firm.pk, period=PERIOD, now=NOW)
    return len(ctx), data


def test_dashboard_figures_and_constant_query_count(firm_a, members_a):
    with firm_scope(firm_a):
        book, _ = make_month(firm_a, members_a)
    small, data = _queries(firm_a)
    assert {r["group"]: r["approval_rate"] for r in data["advisor"]} == {
        "A advisor": Decimal("100.0"),
        "A senior_advisor": Decimal("33.3"),
    }
    assert [(m["group"], m["drift_before"], m["drift_after"]) for m in data["month"]] == [
        ("2026-10", Decimal("7.000"), Decimal("1.500"))
    ]
    with firm_scope(firm_a):
        make_month(firm_a, members_a, base=datetime(2026, 11, 3, 10, tzinfo=NEW_YORK), book=book)
    large, data = _queries(firm_a)
    assert large == small and len(data["month"]) == 2


def test_the_dashboard_page_renders_for_officers_and_refuses_advisors(login, members_a, firm_a):
    with firm_scope(firm_a):
        make_month(firm_a, members_a, base=datetime.now(NEW_YORK) - timedelta(days=40))
    page = login(members_a["compliance_officer"]).get(reverse("reporting:metrics"))
    assert page.status_code == 200 and page.content.decode().count("<svg") >= 4
    assert login(members_a["advisor"]).get(reverse("reporting:metrics")).status_code == 403


def test_an_officer_widens_tolerances_and_it_is_listed(login, members_a, firm_a):
    client = login(members_a["compliance_officer"])
    response = client.post(
        reverse("reporting:widenings"),
        {"factor": "1.5", "start": "2026-10-05", "end": "2026-10-09", "reason": "rate shock"},
    )
    assert response.status_code == 302
    assert "rate shock" in client.get(reverse("reporting:widenings")).content.decode()
    bad = client.post(
        reverse("reporting:widenings"),
        {"factor": "9", "start": "2026-10-05", "end": "2026-10-01", "reason": "x"},
    )
    assert bad.status_code == 400
