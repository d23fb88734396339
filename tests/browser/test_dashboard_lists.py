"""An advisor's morning in Chromium: the dashboard, a count followed to its filtered list, a
search, a sort, and one bulk action with its confirmation; at desktop and phone width."""

import re

import pytest
from playwright.sync_api import expect

from approvals.models import ApprovalStep
from firms.services.tenancy import firm_scope
from tests.conftest import PASSWORD
from tests.dashboard.worlds import routed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/")


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways ({width}px)"


def test_an_advisor_follows_a_count_searches_sorts_and_approves_two_in_bulk(
    page_at, live_server, firm_a, members_a, screenshot
):
    book, approvals = routed(firm_a, members_a["advisor"], 6)
    first_client = book["accounts"][0].client.name
    page = page_at(width=1366, height=900)
    _sign_in(page, live_server, members_a["advisor"].user.email)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    screenshot(page, "dashboard-desktop")
    page.get_by_role("link", name=re.compile(r"^Advisor pre-approval: 6")).click()
    page.wait_for_url("**/approvals/all/?*")
    expect(page.locator("#list-count")).to_contain_text("6 rows match")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(6)
    # search by client name, then clear it
    page.get_by_label("Account number or client").fill(first_client)
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(first_client)
    page.get_by_label("Account number or client").fill("")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(6)
    # sort by account, both ways
    page.get_by_role("link", name="Account", exact=True).click()
    expect(page.locator('th[aria-sort="ascending"]')).to_have_text(re.compile("Account"))
    numbers = sorted(a.number for a in book["accounts"])
    expect(rows.first).to_contain_text(numbers[0])
    page.get_by_role("link", name=re.compile(r"^Account ▲")).click()
    expect(page.locator('th[aria-sort="descending"]')).to_have_text(re.compile("Account"))
    expect(rows.first).to_contain_text(numbers[-1])
    screenshot(page, "approvals-list-desktop")
    # bulk: the two first rows, confirmed
    page.get_by_label(f"Select {numbers[-1]}").check()
    page.get_by_label(f"Select {numbers[-2]}").check()
    page.get_by_label("With the selected rows").select_option("approve_advisor")
    page.get_by_role("button", name="Continue…").click()
    expect(
        page.get_by_role("heading", name="Confirm: Approve the advisor pre-approval")
    ).to_be_visible()
    screenshot(page, "bulk-confirm-desktop")
    with firm_scope(firm_a):
        assert ApprovalStep.objects.filter(role="advisor", status="approved").count() == 0
    page.get_by_role(
        "button", name=re.compile(r"^Approve the advisor pre-approval: 2 rows")
    ).click()
    expect(page.get_by_role("status")).to_contain_text("done for 2 rows")
    expect(page.locator("#list-count")).to_contain_text("4 rows match")  # the filter is kept
    with firm_scope(firm_a):
        assert ApprovalStep.objects.filter(role="advisor", status="approved").count() == 2
    assert approvals


def test_the_dashboard_and_a_list_fit_a_phone(page_at, live_server, firm_a, members_a, screenshot):
    routed(firm_a, members_a["advisor"], 3)
    page = page_at(width=390, height=844)
    _sign_in(page, live_server, members_a["senior_advisor"].user.email)
    page.goto(f"{live_server.url}/?scope=firm")
    expect(page.get_by_role("heading", name="Pipeline")).to_be_visible()
    _no_sideways_scroll(page)
    screenshot(page, "dashboard-phone")
    for path, name in (
        ("/approvals/all/", "approvals-list-phone"),
        ("/proposals/", "proposals-list-phone"),
    ):
        page.goto(f"{live_server.url}{path}")
        _no_sideways_scroll(page)
        screenshot(page, name)
