"""Fixtures of the reporting tests: report files under a temporary MEDIA_ROOT, a month of
activity, a generated report."""

from datetime import date

import pytest

from firms.services.tenancy import firm_scope

from .helpers import make_month

OCTOBER = date(2026, 10, 1)
TODAY = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def month_a(firm_a, members_a):
    with firm_scope(firm_a):
        return make_month(firm_a, members_a)


@pytest.fixture
def report_a(firm_a, month_a):
    from reporting.services.monthly import monthly_report_generate

    with firm_scope(firm_a):
        return monthly_report_generate(firm_id=firm_a.pk, month=OCTOBER, today=TODAY)
