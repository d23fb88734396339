"""The evidence pack: one zip per proposal with every version and what happened to it."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from firms.models import AuditEntry
from firms.services.tenancy import firm_scope

pytestmark = pytest.mark.django_db


def _url(proposal):
    return reverse("reporting:evidence_pack", args=[proposal.pk])


@pytest.mark.parametrize("role", ["compliance_officer", "firm_admin"])
def test_officers_download_a_zip_with_every_version_and_the_download_is_audited(
    login, members_a, month_a, firm_a, role
):
    _, proposals = month_a
    p4 = proposals[4]  # account 3 has versions 1 (expired) and 2 (approved)
    response = login(members_a[role]).get(_url(p4))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(response.content))
    assert {
        "proposals.json",
        "compliance.json",
        "approvals.json",
        "orders.json",
        "audit.json",
        "manifest.json",
    } <= set(zf.namelist())
    versions = json.loads(zf.read("proposals.json"))
    assert [(v["version"], v["status"]) for v in versions] == [(1, "expired"), (2, "approved")]
    approvals = json.loads(zf.read("approvals.json"))["approvals"]
    assert sorted(a["status"] for a in approvals) == ["approved", "expired"]
    with firm_scope(firm_a):
        entry = AuditEntry.objects.get(event="reporting.evidence_downloaded")
    assert (entry.object_id, entry.actor_id, entry.payload["versions"]) == (
        str(p4.pk),
        members_a[role].user_id,
        2,
    )


def test_the_pack_holds_check_results_and_the_override_reason(login, members_a, month_a):
    _, proposals = month_a
    zf = zipfile.ZipFile(
        io.BytesIO(login(members_a["compliance_officer"]).get(_url(proposals[0])).content)
    )
    compliance = json.loads(zf.read("compliance.json"))
    assert [c["kind"] for c in compliance["checks"]] == ["concentration"]
    assert compliance["reviews"][0]["reason"].startswith("=HYPERLINK")


@pytest.mark.parametrize("role", ["advisor", "senior_advisor", "ops", "committee_member"])
def test_other_roles_are_refused(login, members_a, month_a, role):
    assert login(members_a[role]).get(_url(month_a[1][0])).status_code == 403


def test_another_firms_proposal_is_a_404(login, members_b, month_a):
    assert login(members_b["compliance_officer"]).get(_url(month_a[1][0])).status_code == 404


def test_the_proposal_page_links_the_pack_for_officers_only(login, members_a, month_a):
    proposal = month_a[1][0]
    page = reverse("drift:proposal", args=[proposal.pk])
    for role, shown in (("compliance_officer", True), ("firm_admin", True), ("advisor", False)):
        html = login(members_a[role]).get(page).content.decode()
        assert (_url(proposal) in html) is shown, role
