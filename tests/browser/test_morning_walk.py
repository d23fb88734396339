"""The morning after a close, walked in Chromium by the five people who start their day in
Rebalance: the advisor pre-approves, the senior advisor approves the large account, the
committee reaches its quorum, the compliance officer clears a flagged proposal with a
reason, and the client signs in the portal. Every page is seen at 1366 px and at 390 px
(no sideways scrolling on the phone) and saved under test-artifacts/walk-*.png, which CI
keeps as its artifacts."""

import re

import pytest
from playwright.sync_api import expect

from firms.choices import Role
from firms.services.tenancy import firm_scope
from tests.browser.conftest import sign_in
from tests.browser.morning import morning_build
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = (1366, 390)

# What a page must not show a user: an internal code (outside an email address such as the test
# logins'), a Python value, a broken plural.
RAW = re.compile(
    r"(?<![-.@\w])(?:awaiting_approval|senior_advisor|committee_member|compliance_officer|firm_admin|"
    r"partially_executed|tax_loss)(?![-.@\w])|\bNone\b|Decimal\(|\{'|\b1 accounts\b"
)


class Walk:
    """One person's morning: signs in at both widths; `see` checks and saves a page."""

    def __init__(self, browser, base_url, screenshot, email, who):
        self.base_url, self.shot, self.who, self.seen = base_url, screenshot, who, []
        self.pages = {}
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            sign_in(page, base_url, email, PASSWORD)
            self.pages[width] = page

    @property
    def desk(self):
        return self.pages[1366]

    def see(self, name: str) -> str:
        """The desktop page as it stands now, then the same URL on the phone."""
        text = self._check(self.desk, name, 1366)
        phone = self.pages[390]
        phone.goto(self.desk.url)
        self._check(phone, name, 390)
        return text

    def _check(self, page, name, width):
        page.wait_for_load_state()
        text = page.locator("main").inner_text()
        raw = RAW.search(text)
        context = raw and text[max(raw.start() - 60, 0) : raw.end() + 30]
        assert not raw, f"{self.who}, {name}: {raw.group(0)!r} in {context!r} on {page.url}"
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{self.who}, {name} scrolls sideways at {width}px ({scroll}px)"
        self.shot(page, f"walk-{self.who}-{name}-{width}")
        self.seen.append((name, width))
        return text

    def close(self):
        for page in self.pages.values():
            page.context.close()


def _card(page, label):
    """The number on the dashboard's pipeline card with this label."""
    card = page.locator(".dash-pipeline > li > a, .dash-cards a").filter(has_text=label).first
    return int(card.locator(".dash-n").inner_text().replace(",", ""))


def _decide(walk, account, *, comment, upload=None):
    desk = walk.desk
    desk.get_by_role("link", name=account.number, exact=True).first.click()
    desk.wait_for_url("**/approvals/*/")
    expect(desk.get_by_text("costs $").first).to_be_visible()
    walk.see(f"approval-{account.number}")
    desk.get_by_label("Approve").check()
    desk.get_by_label("Comment (a decline needs a reason)").fill(comment)
    if upload:
        desk.get_by_label("Committee documentation").set_input_files(upload)
    desk.get_by_role("button", name="Record decision").click()
    desk.wait_for_load_state()
    walk.see(f"decided-{account.number}")


def test_the_morning_of_five_roles(
    browser, live_server, firm_a, members_a, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    world = morning_build(firm_a, members_a)
    acc = world["accounts"]
    open_walk = lambda member, who: Walk(  # noqa: E731
        browser, live_server.url, screenshot, member.user.email, who
    )

    # 1. The advisor: their book's pipeline, then the pre-approval the routing asked of them.
    advisor = open_walk(members_a[Role.ADVISOR], "advisor")
    desk = advisor.desk
    expect(desk.get_by_role("heading", name="Dashboard")).to_be_visible()
    assert _card(desk, "Awaiting approval") == 3, "the advisor's book has three waiting"
    advisor.see("dashboard")
    desk.get_by_role("link", name=re.compile("Advisor pre-approval")).first.click()
    advisor.see("approvals-advisor-step")
    _decide(advisor, acc["advised"], comment="Back to the 60/40 target.")
    expect(desk.get_by_text("Client consent").first).to_be_visible()
    advisor.close()

    # 2. The senior advisor: the whole firm, the large account's full proposal, approved.
    senior = open_walk(members_a[Role.SENIOR_ADVISOR], "senior")
    desk = senior.desk
    assert "whole firm" in senior.see("dashboard").lower()
    desk.get_by_role("link", name="Approvals", exact=True).first.click()
    assert acc["large"].number in senior.see("approvals-waiting")
    _decide(senior, acc["large"], comment="Large account; costs are small against the drift.")
    senior.close()

    # 3. The committee: the institutional account needs two votes and a document.
    memo = tmp_path / "committee-minutes.pdf"
    memo.write_bytes(b"%PDF-1.4\n% minutes of the investment committee\n%%EOF\n")
    for n, key in enumerate((Role.COMMITTEE_MEMBER, "committee_member_2"), start=1):
        member = open_walk(members_a[key], f"committee{n}")
        member.desk.get_by_role("link", name="Approvals", exact=True).first.click()
        member.see("approvals-waiting")
        _decide(member, acc["institution"], comment=f"Vote {n}: in line with the IPS.", upload=memo)
        votes = member.desk.locator("ul.votes").inner_text()
        assert "Priya Raman: approved" in votes and "Vote 1: in line with the IPS." in votes
        member.close()
    # The second vote completes it; both votes, by name and with their words, stay on the page.
    assert "Jonas Berg: approved" in votes and "Vote 2" in votes

    # 4. The compliance officer: the flagged proposal, cleared with a written reason.
    officer = open_walk(members_a[Role.COMPLIANCE_OFFICER], "compliance")
    desk = officer.desk
    officer.see("dashboard")
    desk.goto(f"{live_server.url}/compliance/")
    assert acc["unsuitable"].number in officer.see("queue")
    desk.get_by_role("link", name=re.compile(acc["unsuitable"].number)).first.click()
    desk.wait_for_url("**/compliance/proposals/*/")
    assert "suitab" in officer.see("review").lower()
    desk.get_by_label("Reason for clearing it (kept in the audit trail)").fill(
        "Client signed an updated risk questionnaire; balanced profile agreed in the review."
    )
    desk.get_by_role("button", name="Clear with this reason").click()
    desk.wait_for_load_state()
    officer.see("overridden")
    officer.close()

    # 5. The client of the advised account: signs in the portal and learns when trades go out.
    client = open_walk(world["clients"][acc["advised"].pk], "client")
    desk = client.desk
    expect(desk.get_by_role("heading", name="Your accounts")).to_be_visible()
    client.see("portal-home")
    desk.get_by_role("link", name=re.compile("Review|proposal", re.I)).first.click()
    desk.wait_for_url("**/portal/proposals/*/")
    client.see("portal-proposal")
    desk.get_by_label("I have read the disclosures above").check()
    desk.get_by_label("Type your full name to sign").fill(acc["advised"].client.name)
    desk.get_by_role("button", name="Approve and sign").click()
    expect(desk.get_by_text("When your trades go out")).to_be_visible()
    client.see("portal-signed")
    client.close()

    # The pipeline moved as each of them saw it.
    from approvals.models import Approval
    from compliance.models import ComplianceReview

    with firm_scope(firm_a):
        status = {
            a.proposal.account_id: a.status for a in Approval.objects.select_related("proposal")
        }
        assert status[acc["advised"].pk] == "approved"  # advisor, then the client's signature
        assert status[acc["institution"].pk] == "approved"  # quorum of two
        assert status[acc["large"].pk] == "pending"  # the senior approved; the client is next
        review = ComplianceReview.objects.get(proposal__account=acc["unsuitable"])
        assert review.status == "overridden" and review.reason.startswith("Client")
