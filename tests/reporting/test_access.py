"""Only compliance officers and firm admins list and download reports, only their firm's;
every download is audited."""

import pytest
from django.urls import reverse

from firms.choices import COMPLIANCE_ROLES, Role
from firms.models import AuditEntry
from firms.services.api_tokens import api_token_create
from firms.services.tenancy import firm_scope

pytestmark = pytest.mark.django_db
OTHER_ROLES = [r for r in Role.values if r not in COMPLIANCE_ROLES and r != Role.CLIENT]


@pytest.mark.parametrize("role", sorted(COMPLIANCE_ROLES))
def test_compliance_roles_download_and_the_download_is_audited(
    login, members_a, report_a, firm_a, role
):
    client = login(members_a[role])
    response = client.get(reverse("reporting:download_csv", args=[report_a.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert client.get(reverse("reporting:download_pdf", args=[report_a.pk])).content.startswith(
        b"%PDF"
    )
    with firm_scope(firm_a):
        events = list(
            AuditEntry.objects.filter(event="reporting.monthly_downloaded").values_list(
                "payload__kind", "actor"
            )
        )
    assert events == [("csv", members_a[role].user_id), ("pdf", members_a[role].user_id)]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_get_403(login, members_a, report_a, role):
    client = login(members_a[role])
    assert client.get(reverse("reporting:reports")).status_code == 403
    assert client.get(reverse("reporting:download_pdf", args=[report_a.pk])).status_code == 403


def test_officer_of_firm_b_neither_lists_nor_downloads_firm_a_reports(login, members_b, report_a):
    client = login(members_b["compliance_officer"])
    page = client.get(reverse("reporting:reports"))
    assert page.status_code == 200 and report_a.pdf_sha256[:12] not in page.content.decode()
    assert client.get(reverse("reporting:download_pdf", args=[report_a.pk])).status_code == 404
    assert client.get(reverse("reporting:download_csv", args=[report_a.pk])).status_code == 404


def _api(client, member):
    token = api_token_create(member.user)
    return lambda url: client.get(url, HTTP_AUTHORIZATION=f"Token {token}")


def test_api_lists_own_firm_only_and_refuses_other_roles(client, members_a, members_b, report_a):
    get_b = _api(client, members_b["compliance_officer"])
    assert get_b(reverse("reporting-monthly-list")).json()["results"] == []
    assert get_b(reverse("reporting-monthly-pdf", args=[report_a.pk])).status_code == 404
    get_a = _api(client, members_a["compliance_officer"])
    assert [r["id"] for r in get_a(reverse("reporting-monthly-list")).json()["results"]] == [
        report_a.pk
    ]
    assert get_a(reverse("reporting-monthly-csv", args=[report_a.pk])).status_code == 200
    assert _api(client, members_a["advisor"])(reverse("reporting-monthly-list")).status_code == 403


def test_an_officer_regenerates_a_month_from_the_page(login, members_a, month_a, firm_a):
    from reporting.models import MonthlyReport

    client = login(members_a["compliance_officer"])
    response = client.post(reverse("reporting:regenerate"), {"month": "2026-10"})
    assert response.status_code == 302
    with firm_scope(firm_a):
        assert list(MonthlyReport.objects.values_list("version", "trigger")) == [(1, "manual")]
