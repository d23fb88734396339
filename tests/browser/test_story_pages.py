"""The proposal's story in Chromium: the proposal, approval and compliance pages and the
client's portal page at desktop (1366 px) and phone (390 px) width — no sideways scrolling
at 390 px (wide tables scroll inside their own container), screenshots saved."""

import pytest

from tests.conftest import PASSWORD
from tests.story.conftest import ALL_FILL, live_a_proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = {"desktop": 1366, "phone": 390}


@pytest.fixture
def lived(firm_a, members_a, settings, tmp_path):
    settings.TRADING_SIMULATED, settings.MEDIA_ROOT = ALL_FILL, tmp_path
    return live_a_proposal(firm_a, members_a["advisor"])


def _sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


WIDER = """w => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > w + 1)
  .filter(e => !e.closest('.table-wrap, .chart-wrap') || e.matches('.table-wrap, .chart-wrap'))
  .slice(0, 8)
  .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""


def _fits(page, width):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    wider = page.evaluate(WIDER, width) if scroll > width else []
    assert scroll <= width, f"{page.url} scrolls sideways at {width}px ({scroll}px): {wider}"


@pytest.mark.parametrize("size", list(WIDTHS))
def test_the_staff_story_pages_fit_and_link(
    page_at, live_server, members_a, lived, screenshot, size
):
    width = WIDTHS[size]
    page = page_at(width=width, height=900)
    _sign_in(page, live_server, members_a["firm_admin"].user.email)
    page.goto(f"{live_server.url}/drift/proposals/{lived['proposal'].pk}/")
    assert page.get_by_role("navigation", name="This proposal's life").is_visible()
    assert page.locator("#timeline li").count() >= 9
    _fits(page, width)
    screenshot(page, f"story-proposal-{size}")
    page.get_by_role("navigation", name="This proposal's life").get_by_role(
        "link", name="Approved"
    ).click()
    page.wait_for_url("**/approvals/*/")
    assert page.get_by_text("Estimated costs").first.is_visible()
    _fits(page, width)
    screenshot(page, f"story-approval-{size}")
    page.get_by_role("navigation", name="This proposal's life").get_by_role(
        "link", name="review"
    ).click()
    page.wait_for_url("**/compliance/proposals/*/")
    _fits(page, width)
    screenshot(page, f"story-compliance-{size}")


@pytest.mark.parametrize("size", list(WIDTHS))
def test_the_clients_signed_proposal_fits(page_at, live_server, lived, firm_a, screenshot, size):
    from firms.services.tenancy import firm_scope

    with firm_scope(firm_a):
        p = lived["proposal"]
        p.flags = {**p.flags, "harvest": [{"sold": "VTI", "substitute": "BND", "label": "harvest"}]}
        p.save(update_fields=["flags"])
    width = WIDTHS[size]
    page = page_at(width=width, height=900)
    _sign_in(page, live_server, lived["client"].user.email)
    page.goto(f"{live_server.url}/portal/proposals/{lived['approval'].pk}/")
    assert page.get_by_role("heading", name="Signed").is_visible()
    assert page.get_by_text("Tax-loss harvest: VTI is worth less").is_visible()
    _fits(page, width)
    screenshot(page, f"story-portal-{size}")
