"""Playwright driving Debian's Chromium (no browser download)."""

import io
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is not installed (make test installs Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + sync playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page_at(browser):
    contexts = []

    def _open(width=1280, height=900):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        return context.new_page()

    yield _open
    for c in contexts:
        c.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def _shot(page, name):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


# A small demo book lived through the pipeline (seed_demo: both demo firms, every role, a few
# weeks of scans, approvals, batches with fills and a closed month's report), committed so the
# live server sees it; the transactional test flushes it afterwards. About half a minute.
DEMO_ACCOUNTS, DEMO_SESSIONS = 8, 10


@pytest.fixture
def demo_book(transactional_db):
    from django.core.management import call_command

    from portfolios.services.demo import FIRMS, demo_firm_find

    call_command("seed_demo", accounts=DEMO_ACCOUNTS, sessions=DEMO_SESSIONS, stdout=io.StringIO())
    return {spec.slug: demo_firm_find(spec.slug) for spec in FIRMS}


def sign_in(page, base_url, email, password=None):
    """Through the real login form; waits until the first page after it has loaded."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    from portfolios.services.demo import DEMO_PASSWORD

    page.get_by_label("Password").fill(password or DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
