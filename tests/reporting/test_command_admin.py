"""The monthly_report command writes a new version each run; the admin lists reports read-only."""

import io

import pytest
from django.core.management import CommandError, call_command

from firms.services.tenancy import firm_scope
from reporting.models import MonthlyReport

pytestmark = pytest.mark.django_db


def test_the_command_writes_a_new_version_and_prints_path_and_hash(firm_a, month_a):
    outs = []
    for _ in range(2):
        out = io.StringIO()
        call_command("monthly_report", "alpha", "--month", "2026-10", stdout=out)
        outs.append(out.getvalue())
    with firm_scope(firm_a):
        reports = list(MonthlyReport.objects.order_by("version"))
    assert [(r.version, r.trigger) for r in reports] == [(1, "command"), (2, "command")]
    assert reports[1].pdf_sha256 in outs[1] and reports[1].pdf.path in outs[1] and "v2" in outs[1]


def test_the_command_refuses_a_bad_month_and_an_unknown_firm(firm_a):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("monthly_report", "alpha", "--month", "October")
    with pytest.raises(CommandError, match="No firm"):
        call_command("monthly_report", "nobody")


def test_firm_admins_see_reports_in_the_admin_but_cannot_change_them(login, members_a, report_a):
    client = login(members_a["firm_admin"])
    assert client.get("/admin/reporting/monthlyreport/").status_code == 200
    page = client.get(f"/admin/reporting/monthlyreport/{report_a.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    # Widenings are made on their own page (officers, audited), never in the admin.
    assert client.get("/admin/drift/tolerancewidening/add/").status_code == 403
    # The model moved to drift (the scan reads it); the old admin address leads there.
    old = client.get("/admin/reporting/tolerancewidening/add/")
    assert old.status_code == 302 and old["Location"] == "/admin/drift/tolerancewidening/add/"


def test_ops_do_not_see_report_records_in_the_admin(login, members_a, report_a):
    """Only compliance officers and firm admins may list reports."""
    client = login(members_a["ops"])
    assert client.get("/admin/reporting/monthlyreport/").status_code == 403
    assert client.get(f"/admin/reporting/monthlyreport/{report_a.pk}/change/").status_code == 403


def test_the_demo_flag_makes_last_months_report_once(firm_a, capsys):
    call_command("monthly_report", firm_a.slug, "--month", "2026-10", "--if-missing")
    call_command("monthly_report", firm_a.slug, "--month", "2026-10", "--if-missing")
    assert "a report exists already" in capsys.readouterr().out
    with firm_scope(firm_a):
        assert list(MonthlyReport.objects.values_list("version", flat=True)) == [1]
