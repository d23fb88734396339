"""A staff member signs in through the real login form and browses the book in Chromium."""

import pytest
from playwright.sync_api import expect

from firms.services.tenancy import firm_scope
from tests.conftest import PASSWORD
from tests.factories import make_book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(firm_a, members_a):
    with firm_scope(firm_a):
        return make_book(firm_a, accounts=3, advisor=members_a["advisor"])


def _sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_an_advisor_signs_in_and_opens_an_account(
    page_at, live_server, members_a, book, screenshot
):
    page = page_at()
    _sign_in(page, live_server, members_a["advisor"].user.email)
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Accounts", exact=True).click()
    page.wait_for_url("**/book/accounts/")
    assert page.get_by_role("heading", name="Accounts").is_visible()
    screenshot(page, "accounts-desktop")
    number = book["accounts"][0].number
    page.get_by_role("link", name=number).click()
    page.wait_for_url("**/book/accounts/*/")
    assert page.locator("svg.chart").is_visible()
    assert page.get_by_role("cell", name="66.00%").is_visible()
    facts = page.locator("dl.facts").first.inner_text()
    assert "Taxable (individual/joint)\nTax status\nTaxable" in facts and "(Taxable)" not in facts
    screenshot(page, "account-desktop")


def test_the_account_page_fits_a_phone(page_at, live_server, members_a, book, screenshot):
    page = page_at(width=390, height=844)
    _sign_in(page, live_server, members_a["advisor"].user.email)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/book/accounts/")
    page.get_by_role("link", name=book["accounts"][0].number).click()
    page.wait_for_url("**/book/accounts/*/")
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390, f"page scrolls sideways on a phone ({page_width}px)"
    screenshot(page, "account-phone")


def test_a_wrong_password_says_so(page_at, live_server, members_a):
    page = page_at()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(members_a["advisor"].user.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()
    expect(
        page.get_by_text("The email address and/or password you specified are not correct.")
    ).to_be_visible()
