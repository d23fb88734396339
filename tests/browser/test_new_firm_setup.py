"""A new firm from `create_firm` to its first drifted accounts in Chromium, without the admin:
its administrator signs in and invites the operations person, who accepts the emailed link,
uploads the set-up files and the sample book on the import page, clicks re-scan, and a real
Celery worker on the real broker scans; the drifted accounts show.
"""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from drift.models import DriftSnapshot
from firms.choices import Role
from firms.models import Membership
from firms.selectors import firm_by_slug
from firms.services.tenancy import firm_scope
from portfolios.importer import KINDS
from portfolios.importer.formats import setup_kinds
from rebalance_site.celery import app as celery_app
from tests.conftest import PASSWORD
from tests.reliability.waiting import wait_until
from tests.setup.helpers import SAMPLES
from tests.worker.test_celery_worker import worker  # noqa: F401  (the real worker fixture)

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published_to(worker):  # noqa: F811
    """The live server publishes to the queue this test's worker reads (the real broker)."""
    default = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = worker
    yield worker
    celery_app.conf.task_default_queue = default


def test_a_new_firm_imports_its_set_up_and_book_and_sees_drift(
    page_at, live_server, published_to, screenshot, settings
):
    settings.SITE_URL = live_server.url  # the invitation's link
    call_command(
        "create_firm",
        "Fresh Capital",
        "admin@fresh.test",
        "--slug",
        "fresh",
        "--password",
        PASSWORD,
    )
    firm = firm_by_slug("fresh")
    page = page_at()
    visited = []
    page.on("request", lambda request: visited.append(request.url))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("admin@fresh.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{live_server.url}/")

    # The administrator invites the firm's operations person, who sets a password from the
    # emailed link and does the rest.
    page.get_by_role("link", name="People", exact=True).click()
    page.wait_for_url("**/firm/people/")
    page.locator("#id_email").fill("ops@fresh.test")
    page.locator("#id_name").fill("Olu Pike")
    page.get_by_label("Role:").select_option(label="Operations")
    page.get_by_role("button", name="Send the invitation").first.click()
    expect(page.get_by_text("Invitation sent to ops@fresh.test")).to_be_visible()
    link = re.search(r"https?://\S+/invite/\S+/", mail.outbox[-1].body).group(0)
    page = page_at()  # the invitee's own browser context
    page.on("request", lambda request: visited.append(request.url))
    page.goto(link)
    page.get_by_label("Password:", exact=True).fill(PASSWORD + "-ops")
    page.get_by_label("Password again:").fill(PASSWORD + "-ops")
    page.get_by_role("button", name="Set my password and sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    with firm_scope(firm):
        assert Membership.objects.get(user__email="ops@fresh.test").role == Role.OPS

    page.get_by_role("link", name="Import").click()
    page.wait_for_url("**/book/import/")
    for kind in (*KINDS, *setup_kinds()):
        page.locator(f"#id_{kind}").set_input_files(str(SAMPLES / f"{kind}.csv"))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/book/import/?run=*")
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.locator("section[aria-labelledby=imported]")).to_contain_text(
        "custodians.csv: 2 rows"
    )
    screenshot(page, "setup-imported")

    page.get_by_role("button", name="Re-scan the firm").click()
    page.wait_for_url("**/drift/")
    expect(page.get_by_text("Re-scan of every account")).to_be_visible()
    with firm_scope(firm):
        assert wait_until(lambda: DriftSnapshot.objects.count() == 5, 90), "no scan ran"
    page.reload()
    for number in ("S-1001", "S-2001", "S-3001"):
        expect(page.get_by_role("link", name=number)).to_be_visible()
    expect(page.get_by_role("link", name="S-1002")).to_have_count(0)  # within its band
    screenshot(page, "setup-drifted")

    # The set-up arrived as the files said, on the pages (not the admin).
    page.goto(f"{live_server.url}/book/custodians/")
    expect(page.get_by_role("cell", name="schwab-sim")).to_be_visible()
    page.goto(f"{live_server.url}/drift/rules/")
    expect(page.get_by_role("cell", name="High net worth").first).to_be_visible()  # read-only: ops
    assert not [url for url in visited if "/admin/" in url]
