"""The dashboard at `/`: the pipeline's counts (each links to a list filtered to exactly those
rows), my book against the whole firm, exceptions, deadlines, drift before/after, another
firm's rows never counted, and the same number of queries for 5 and 50 proposals."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drift.models import Proposal
from firms.services.members import member_create
from firms.services.tenancy import firm_scope
from tests.conftest import PASSWORD

from .worlds import routed

pytestmark = pytest.mark.django_db


def _card(body: str, label: str) -> tuple[int, str]:
    """(count, link) of the dashboard card labelled `label`."""
    match = re.search(
        r'<a href="([^"]+)"><span class="dash-n">([\d,]+)</span> <span>' + re.escape(label), body
    )
    assert match, f"no card {label!r}"
    return int(match.group(2).replace(",", "")), match.group(1).replace("&amp;", "&")


def _listed(client, href) -> int:
    body = client.get(href).content.decode()
    return int(re.search(r'id="list-count">([\d,]+) row', body).group(1).replace(",", ""))


@pytest.fixture
def colleague(firm_a):
    with firm_scope(firm_a):
        return member_create(
            firm=firm_a, email="col@alpha.test", role="advisor", password=PASSWORD, name="Col L"
        )


def test_the_pipeline_counts_my_book_and_each_count_links_to_the_same_rows(
    login, firm_a, firm_b, members_a, members_b, colleague
):
    book, _approvals = routed(firm_a, members_a["advisor"], 5)  # advisor pre-approval waits
    with firm_scope(firm_a):  # two of the five accounts are a colleague's book
        from portfolios.models import Account

        Account.objects.filter(pk__in=[a.pk for a in book["accounts"][:2]]).update(
            advisor=colleague
        )
    routed(firm_b, members_b["advisor"], 4)
    client = login(members_a["advisor"])
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200 and "<h1>Dashboard</h1>" in body
    n, href = _card(body, "Awaiting approval")
    assert n == 3 and _listed(client, href) == 3
    assert "advisor=" in href and "status=awaiting_approval" in href
    # by step: the advisor pre-approval count links to the approvals list filtered the same way
    step = re.search(r'<a href="([^"]+)">Advisor pre-approval: <strong>(\d+)</strong>', body)
    assert step and step.group(2) == "3"
    assert _listed(client, step.group(1).replace("&amp;", "&")) == 3
    n, href = _card(body, "Drifted accounts")
    assert n == 3 and _listed(client, href) == 3
    assert "Whole firm" not in body  # an advisor sees their own book only
    assert client.get("/?scope=firm").content.decode().count("Whole firm") == 0


def test_a_senior_advisor_toggles_between_my_book_and_the_whole_firm(login, firm_a, members_a):
    routed(firm_a, members_a["advisor"], 2)
    client = login(members_a["senior_advisor"])
    mine, _ = _card(client.get("/?scope=mine").content.decode(), "Awaiting approval")
    firm, href = _card(client.get("/?scope=firm").content.decode(), "Awaiting approval")
    assert (mine, firm) == (0, 2) and "advisor=" not in href and _listed(client, href) == 2
    # A senior without accounts of their own (a reviewer) starts on the whole firm ...
    body = client.get("/").content.decode()
    assert 'name="scope" value="firm" checked' in body
    assert _card(body, "Awaiting approval")[0] == 2
    # ... and one with a book starts on it.
    with firm_scope(firm_a):
        from portfolios.models import Account

        Account.objects.filter(pk=Account.objects.order_by("pk").first().pk).update(
            advisor=members_a["senior_advisor"]
        )
    assert 'name="scope" value="mine" checked' in client.get("/").content.decode()
    # a compliance officer has no book: the whole firm by default
    officer = login(members_a["compliance_officer"]).get("/").content.decode()
    assert _card(officer, "Awaiting approval")[0] == 2


def test_exceptions_come_first_and_link_to_their_rows(login, firm_a, members_a):
    _book, approvals = routed(firm_a, members_a["advisor"], 2)
    with firm_scope(firm_a):
        Proposal.objects.filter(pk=approvals[0].proposal_id).update(status="blocked")
    body = login(members_a["firm_admin"]).get("/?scope=firm").content.decode()
    assert body.index("Exceptions") < body.index("Pipeline")
    n, href = _card(body, "Blocked by compliance")
    assert n == 1 and "status=blocked" in href
    client = login(members_a["firm_admin"])
    assert _listed(client, href) == 1
    # the nearest deadlines name what each approval waits on, in words
    assert "Advisor pre-approval" in body and "advisor</td>" not in body


def test_drift_before_and_after_of_the_last_scan_days(login, firm_a, members_a):
    routed(firm_a, members_a["advisor"], 2)
    body = login(members_a["advisor"]).get("/").content.decode()
    row = re.search(
        r"Nov 24, 2026</a></td><td class=\"num\">2</td>"
        r"<td class=\"num\">([\d.]+)</td><td class=\"num\">([\d.]+)</td>",
        body,
    )
    assert row and float(row.group(1)) > float(row.group(2))


def test_clients_go_to_their_portal_and_visitors_to_sign_in(client, login, firm_a):
    assert client.get("/").status_code == 302
    with firm_scope(firm_a):
        member = member_create(
            firm=firm_a, email="c@alpha.test", role="client", password=PASSWORD, name="C"
        )
    response = login(member).get("/")
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")


def test_the_dashboard_runs_the_same_number_of_queries_for_5_and_50_proposals(
    login, firm_a, firm_b, members_a, members_b
):
    counts = []
    for firm, members, n in ((firm_a, members_a, 5), (firm_b, members_b, 50)):
        routed(firm, members["advisor"], n)
        client = login(members["advisor"])
        client.get("/")
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/").content.decode()
        assert _card(body, "Awaiting approval")[0] == n
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    assert counts[0] <= 16, f"{counts[0]} queries"


def test_today_on_a_weekend_counts_the_latest_session(login, members_a):
    """Saturday morning: "today" reaches back to Friday's session, and its links say so."""
    from datetime import UTC, datetime
    from unittest import mock

    client = login(members_a["senior_advisor"])
    saturday = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=saturday):
        body = client.get("/").content.decode()
    assert "Ended stages count since Fri, Nov 20." in body
    _n, href = _card(body, "Executed")
    assert "since=2026-11-20" in href
    tuesday = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=tuesday):
        body = client.get("/").content.decode()
    assert "Ended stages count today." in body and "since=2026-11-24" in _card(body, "Executed")[1]
