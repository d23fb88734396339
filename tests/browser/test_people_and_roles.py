"""In Chromium: a firm administrator invites an advisor from the People page; the advisor
opens the emailed link, sets a password, lands in the firm and signs in again; the advisor
gets the styled 403 page on the model editor; a committee member edits a model and sees the
running total."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from firms.choices import Role
from firms.models import Membership
from firms.services.tenancy import firm_scope
from tests.conftest import PASSWORD
from tests.factories import make_book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "harbor-lights-2026!"


@pytest.fixture
def book(firm_a, members_a):
    with firm_scope(firm_a):
        return make_book(firm_a, accounts=2, advisor=members_a[Role.ADVISOR])


def _sign_in(page, live_server, email, password=PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_an_admin_invites_an_advisor_who_accepts_and_signs_in(
    page_at, live_server, members_a, firm_a, book, screenshot, settings
):
    settings.SITE_URL = live_server.url
    admin = page_at()
    _sign_in(admin, live_server, members_a[Role.FIRM_ADMIN].user.email)
    admin.wait_for_url(f"{live_server.url}/")
    admin.get_by_role("link", name="People", exact=True).click()
    admin.wait_for_url("**/firm/people/")
    admin.locator("#id_email").fill("nia.vo@alpha.test")
    admin.locator("#id_name").fill("Nia Vo")
    admin.get_by_label("Role:").select_option(label="Advisor")
    admin.get_by_role("button", name="Send the invitation").first.click()
    expect(admin.get_by_text("Invitation sent to nia.vo@alpha.test (advisor).")).to_be_visible()
    expect(admin.get_by_role("cell", name="Pending")).to_be_visible()
    screenshot(admin, "people-invited-desktop")

    assert mail.outbox and mail.outbox[-1].to == ["nia.vo@alpha.test"]
    link = re.search(r"https?://\S+/invite/\S+/", mail.outbox[-1].body).group(0)

    invitee = page_at()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Join Alpha Advisors")).to_be_visible()
    invitee.get_by_label("Password:", exact=True).fill(NEW_PASSWORD)
    invitee.get_by_label("Password again:").fill(NEW_PASSWORD)
    screenshot(invitee, "invite-accept-desktop")
    invitee.get_by_role("button", name="Set my password and sign in").click()
    invitee.wait_for_url(f"{live_server.url}/")
    expect(invitee.get_by_text("Welcome to Alpha Advisors.")).to_be_visible()
    with firm_scope(firm_a):
        member = Membership.objects.get(user__email="nia.vo@alpha.test")
        assert member.role == Role.ADVISOR
    # Signed out, the new password signs in; the link does not work twice.
    invitee.get_by_role("button", name=re.compile("Sign out")).click()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Invitation not valid")).to_be_visible()
    _sign_in(invitee, live_server, "nia.vo@alpha.test", NEW_PASSWORD)
    invitee.wait_for_url(f"{live_server.url}/")

    # The new advisor tries the model editor: the styled 403 page, with the menu.
    response = invitee.goto(f"{live_server.url}/drift/models/{book['model'].pk}/edit/")
    assert response.status == 403
    expect(
        invitee.get_by_role("heading", name="You do not have access to this page")
    ).to_be_visible()
    expect(invitee.get_by_text("create, edit, retire and apply models")).to_be_visible()
    expect(invitee.get_by_role("link", name="Models", exact=True)).to_be_visible()
    assert (
        invitee.evaluate("getComputedStyle(document.querySelector('.error-page')).borderTopStyle")
        == "solid"
    )
    screenshot(invitee, "advisor-403-model-editor-desktop")


def test_a_committee_member_edits_a_model_with_a_running_total(
    page_at, live_server, members_a, book, screenshot
):
    page = page_at(width=390, height=844)
    _sign_in(page, live_server, members_a[Role.COMMITTEE_MEMBER].user.email)
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/drift/models/")
    page.get_by_role("link", name="Edit").first.click()
    page.wait_for_url("**/edit/")
    total = page.locator("#holdings-total")
    expect(total).to_have_text("100%")
    weights = page.locator("input.holding-weight")
    weights.nth(0).fill("39.99")  # the bond (rows by asset class: fixed income first)
    expect(total).to_have_text("99.99%")
    page.get_by_role("button", name="Preview the change").click()
    expect(
        page.get_by_text("The weights add up to 99.99%; they must add up to exactly 100%.")
    ).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the model editor scrolls sideways on a phone ({width}px)"
    screenshot(page, "model-editor-phone")
