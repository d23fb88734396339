"""Operations reconcile a custodian's file in Chromium: upload, the breaks with their size,
resolve one with a reason and accept another, from the menu, without the admin."""

import pytest
from playwright.sync_api import expect

from firms.services.tenancy import firm_scope
from reconciliation.models import ReconciliationBreak
from tests.conftest import PASSWORD
from tests.reconciliation.helpers import DAY, csv_bytes, every_kind_rows, recon_book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ops_upload_a_file_and_decide_its_breaks(
    page_at, live_server, firm_a, members_a, screenshot, tmp_path
):
    with firm_scope(firm_a):
        book = recon_book(firm_a)
    path = tmp_path / "positions.csv"
    path.write_bytes(csv_bytes(every_kind_rows(book)))
    page = page_at()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(members_a["ops"].user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Reconciliation", exact=True).click()
    page.wait_for_url("**/reconciliation/")
    page.get_by_label("Custodian").select_option(book["custodian"].code)
    page.get_by_label("Day of the file").fill(DAY.isoformat())
    page.get_by_label("Positions file").set_input_files(str(path))
    page.get_by_role("button", name="Reconcile").click()
    expect(page.get_by_text("7 breaks in 4 accounts")).to_be_visible()
    row = page.locator("tr", has_text="Security unknown to the firm")
    expect(row).to_contain_text("no price")
    expect(page.locator("tr", has_text="Quantity difference")).to_contain_text("-$1,000.00")
    screenshot(page, "reconciliation-desktop")
    row.get_by_placeholder("reason").fill("XYZ is the sweep fund; securities.csv updated")
    row.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("Resolved.", exact=True)).to_be_visible()
    page.locator("tr", has_text="Cash difference").get_by_role(
        "button", name="Accept custodian's figure"
    ).click()
    expect(page.get_by_text("Accepted: the book now holds")).to_be_visible()
    expect(page.locator("tr", has_text="Security unknown to the firm")).to_have_count(0)
    with firm_scope(firm_a):
        statuses = dict(ReconciliationBreak.objects.values_list("kind", "status"))
    assert statuses["unknown_security"] == "resolved" and statuses["cash"] == "accepted"
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "reconciliation-phone")
