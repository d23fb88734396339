"""The evidence pack holds every audit event of the proposal's life — creation, checks,
overrides, routing, decisions, orders, fills — and a one-page readable summary for an
examiner, with times in the firm's time zone."""

import io
import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from firms.services.tenancy import firm_scope

pytestmark = pytest.mark.django_db


def _pack(login, member, proposal) -> zipfile.ZipFile:
    response = login(member).get(reverse("reporting:evidence_pack", args=[proposal.pk]))
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_pack_holds_every_event_of_the_life(login, members_a, lived):
    zf = _pack(login, members_a["compliance_officer"], lived["proposal"])
    audit = json.loads(zf.read("audit.json"))
    events = [e["event"] for e in audit]
    for wanted in (
        "proposals.created",  # creation
        "compliance.checked",  # checks
        "approvals.started",  # routing
        "approval.step_approved",  # the advisor's decision
        "approval.signed",  # the client's signature
        "approval.approved",
        "proposal.queued",  # orders written
        "proposal.submitted",  # orders sent
        "proposal.executed",  # fills
    ):
        assert wanted in events, wanted
    assert [e["seq"] for e in audit] == sorted(e["seq"] for e in audit)
    assert all(e["what"] for e in audit) and all(e["hash"] for e in audit)
    orders = json.loads(zf.read("orders.json"))
    assert orders["orders"] and orders["fills"]


def test_an_override_is_in_the_pack(login, members_a, lived, firm_a):
    """The entry compliance.services.review.review_override writes (an officer's override of a
    flagged version; the lived proposal passed its checks, so the entry is written as is)."""
    from firms.services.audit import audit_record

    with firm_scope(firm_a):
        audit_record(
            firm_id=firm_a.pk,
            event="compliance.override",
            actor=members_a["compliance_officer"].user,
            obj=lived["proposal"],
            payload={"reason": "Seen, fine.", "failing": ["concentration"], "version": 1},
        )
    audit = json.loads(
        _pack(login, members_a["compliance_officer"], lived["proposal"]).read("audit.json")
    )
    override = [e for e in audit if e["event"] == "compliance.override"]
    assert override and override[-1]["what"] == "Compliance override"
    assert "Seen, fine." in override[-1]["detail"]


def test_another_accounts_events_are_not_in_the_pack(login, members_a, lived, firm_a):
    from firms.services.audit import audit_record

    with firm_scope(firm_a):
        audit_record(
            firm_id=firm_a.pk,
            event="proposal.approved",
            payload={"ids": [lived["proposal"].pk + 1000], "to": "approved"},
        )
    audit = json.loads(
        _pack(login, members_a["compliance_officer"], lived["proposal"]).read("audit.json")
    )
    assert all(lived["proposal"].pk + 1000 not in (e["payload"].get("ids") or []) for e in audit)


def test_the_summary_is_one_readable_page_in_the_firms_time_zone(
    login, members_a, lived, firm_a, tmp_path
):
    with firm_scope(firm_a):
        type(firm_a).objects.filter(pk=firm_a.pk).update(time_zone="America/Denver")
    zf = _pack(login, members_a["compliance_officer"], lived["proposal"])
    manifest = json.loads(zf.read("manifest.json"))
    assert "summary.pdf" in manifest["files"]
    (tmp_path / "s.pdf").write_bytes(zf.read("summary.pdf"))
    if os.environ.get("STORY_DUMP"):
        (Path(os.environ["STORY_DUMP"]) / "summary.pdf").write_bytes(zf.read("summary.pdf"))
    info = subprocess.run(["pdfinfo", str(tmp_path / "s.pdf")], capture_output=True, text=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.M), info.stdout
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "s.pdf"), "-"], capture_output=True, text=True
        ).stdout.split()
    )
    adviser = members_a["advisor"]
    for fact in (
        "Alpha Advisors",
        lived["account"].number,
        lived["account"].client.name,
        adviser.display_name,
        "Advisor pre-approval",
        "Signed by the client (e-signature)",
        "Filled in full",
        "America/Denver",
        "Nov 24 3:30 PM MST",  # the advisor's 17:30 New York approval, in Denver
    ):
        assert fact in text, fact
