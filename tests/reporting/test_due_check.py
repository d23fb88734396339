"""The beat's due-check: from the first business day, one report per firm and month."""

from datetime import date, datetime

import pytest

from firms.services.tenancy import firm_scope
from portfolios.calc.market_calendar import NEW_YORK
from reporting import tasks
from reporting.calc.months import report_month_due
from reporting.models import MonthlyReport

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "now, due",
    [
        (datetime(2026, 11, 1, 12, tzinfo=NEW_YORK), None),  # Sunday the 1st: not a business day
        (datetime(2026, 11, 2, 0, 5, tzinfo=NEW_YORK), date(2026, 10, 1)),  # Monday the 2nd
        (datetime(2027, 1, 1, 12, tzinfo=NEW_YORK), None),  # New Year's Day
        (datetime(2027, 1, 4, 9, tzinfo=NEW_YORK), date(2026, 12, 1)),  # first business day of 2027
        (
            datetime(2026, 11, 20, 9, tzinfo=NEW_YORK),
            date(2026, 10, 1),
        ),  # later in the month: still due if not done
    ],
)
def test_report_month_due(now, due):
    assert report_month_due(now) == due


def _run_in_scope(**kw):
    """What the worker does (FirmTask enters the scope), minus its connection recycling."""
    with firm_scope(kw["firm_id"]):
        return tasks.monthly_report_firm.run(**kw)


def test_running_the_due_check_twice_makes_one_report_per_firm(
    firm_a, firm_b, month_a, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks.monthly_report_firm, "delay", _run_in_scope)
    now = datetime(2026, 11, 2, 8, tzinfo=NEW_YORK)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.reports_enqueue_due(now=now)
    for firm in (firm_a, firm_b):
        with firm_scope(firm):
            assert list(MonthlyReport.objects.values_list("month", "version", "trigger")) == [
                (date(2026, 10, 1), 1, "schedule")
            ]


def test_a_doubled_task_still_makes_one_version(firm_a, month_a):
    for _ in range(2):
        _run_in_scope(firm_id=firm_a.pk, month="2026-10-01")
    with firm_scope(firm_a):
        assert MonthlyReport.objects.count() == 1
