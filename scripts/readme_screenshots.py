"""The README's screenshots, taken from a running `make demo` in Debian's Chromium.

    .venv/bin/python scripts/readme_screenshots.py [http://127.0.0.1:8000] [docs/screenshots]

Signs in as the demo's people (password demo-pass-2026) and saves one PNG per screen: the
viewport only (what a person sees first) at 1366 x 900. The demo's data and the pages
themselves are the only inputs. The portal on a phone (docs/screenshots/portal-phone.png) is
the morning walk's `walk-client-portal-proposal-390.png`: the demo's client logins have no
proposal waiting for them at the end of the history."""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "demo-pass-2026"
# (file, login, path or a link to follow from the previous page, viewport width)
SHOTS = [
    ("dashboard.png", "senior@harbor.demo", "/", 1366),
    ("proposals.png", "senior@harbor.demo", "/proposals/", 1366),
    ("approvals.png", "senior@harbor.demo", "/approvals/all/?status=pending", 1366),
    ("proposal.png", "senior@harbor.demo", "first:/drift/proposals/", 1366),
    ("compliance-queue.png", "compliance@harbor.demo", "/compliance/", 1366),
    ("monthly-report.png", "compliance@harbor.demo", "/reports/", 1366),
]


def sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def main(base="http://127.0.0.1:8000", out="docs/screenshots"):
    Path(out).mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for name, login, where, width in SHOTS:
            context = browser.new_context(
                viewport={"width": width, "height": 900 if width > 400 else 844}
            )
            page = context.new_page()
            sign_in(page, base, login)
            if where.startswith("first:"):  # the first link to such a page from where we landed
                prefix = where.removeprefix("first:")
                page.goto(base + ("/" if "portal" in prefix else "/proposals/"))
                href = page.locator(f'a[href^="{prefix}"]').first.get_attribute("href")
                page.goto(base + href)
            else:
                page.goto(base + where)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=f"{out}/{name}")
            print(f"{out}/{name}  {page.url}")
            context.close()
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
