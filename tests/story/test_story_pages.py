"""One proposal, one story: the proposal, approval and compliance pages link to every page of
the proposal's life (each link followed answers 200), the timeline lists its audit events in
order, the approval page shows what the approver decides on, and the pages' query counts do not
grow with the proposal's rows."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from firms.services.audit import audit_record
from firms.services.tenancy import firm_scope

pytestmark = pytest.mark.django_db
NAV = re.compile(r'<nav class="card story-links".*?</nav>', re.S)
HREF = re.compile(r'href="([^"#]+)(?:#[^"]*)?"')


def _pages(lived):
    return {
        "proposal": reverse("drift:proposal", args=[lived["proposal"].pk]),
        "approval": reverse("approvals:approval", args=[lived["approval"].pk]),
        "compliance": reverse("compliance:review", args=[lived["proposal"].pk]),
    }


def _nav_links(html: str) -> set[str]:
    nav = NAV.search(html)
    assert nav, "the page has no story links"
    return set(HREF.findall(nav.group(0)))


def test_every_page_of_the_story_links_to_the_others_and_each_link_opens(
    login, members_a, lived, firm_a
):
    client = login(members_a["firm_admin"])
    pages = _pages(lived)
    with firm_scope(firm_a):
        from trading.models import Order

        batch_id = Order.objects.filter(proposal=lived["proposal"]).first().batch_id
        from notifications.models import OutboundMessage

        confirmation = OutboundMessage.objects.get(
            proposal=lived["proposal"], kind="trade_confirmation"
        )
    expected = {
        reverse("drift:account", args=[lived["account"].pk]),
        pages["proposal"],
        pages["approval"],
        pages["compliance"],
        reverse("approvals:signed_pdf", args=[lived["approval"].pk]),
        reverse("trading:batch", args=[batch_id]),
        reverse("notifications:message", args=[confirmation.pk]),
        reverse("reporting:evidence_pack", args=[lived["proposal"].pk]),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        links = _nav_links(response.content.decode())
        # The page itself is named in bold, not linked; every other page is a link.
        assert expected - {url} <= links, (name, expected - {url} - links)
    for url in expected:
        response = client.get(url)
        assert response.status_code == 200, url
    pdf = client.get(reverse("approvals:signed_pdf", args=[lived["approval"].pk]))
    assert pdf["Content-Type"] == "application/pdf"


def test_an_advisor_sees_the_findings_link_not_the_officers_review(login, members_a, lived):
    html = login(members_a["advisor"]).get(_pages(lived)["proposal"]).content.decode()
    links = _nav_links(html)
    assert _pages(lived)["compliance"] not in links
    assert _pages(lived)["approval"] in links
    assert reverse("reporting:evidence_pack", args=[lived["proposal"].pk]) not in links


def test_the_batch_page_links_each_order_to_its_proposal(login, members_a, lived, firm_a):
    with firm_scope(firm_a):
        from trading.models import Order

        batch_id = Order.objects.filter(proposal=lived["proposal"]).first().batch_id
    html = login(members_a["advisor"]).get(reverse("trading:batch", args=[batch_id])).content
    assert reverse("drift:proposal", args=[lived["proposal"].pk]).encode() in html


def test_the_timeline_lists_the_proposals_life_in_order(login, members_a, lived):
    html = login(members_a["advisor"]).get(_pages(lived)["proposal"]).content.decode()
    timeline = html[html.index('id="timeline"') :]
    wanted = [
        "Proposal created",
        "Compliance checks ran",
        "Routed for approval",
        "Advisor pre-approval approved",
        "Signed by the client (e-signature)",
        "Approval complete: every step approved",
        "Orders written for the trade batch",
        "Orders sent to the custodian",
        "Filled in full",
    ]
    positions = [timeline.find(w) for w in wanted]
    assert -1 not in positions, dict(zip(wanted, positions))
    assert positions == sorted(positions)
    assert "Fits the plan." in timeline and "a-advisor@alpha.test" in timeline


def test_the_timeline_shows_times_in_the_firms_time_zone(login, members_a, lived, firm_a):
    with firm_scope(firm_a):
        type(firm_a).objects.filter(pk=firm_a.pk).update(time_zone="America/Los_Angeles")
    html = login(members_a["advisor"]).get(_pages(lived)["proposal"]).content.decode()
    timeline = html[html.index('id="timeline"') :]
    assert "PST" in timeline and "EST" not in timeline


def test_the_approval_page_shows_what_the_approver_decides_on(login, members_a, lived):
    html = login(members_a["senior_advisor"]).get(_pages(lived)["approval"]).content.decode()
    p = lived["proposal"]
    for text in (
        "Estimated costs",
        "Estimated tax",
        "Gains realised",
        "Current vs proposed allocation",
        "Proposed %",
        "Gain ST / LT",
        'id="compliance"',
        "Concentration",  # a finding of the compliance checks, by rule
        f"{p.est_costs:,.2f}",
        "VTI",
        "BND",
    ):
        assert text in html, text


def test_the_approval_page_shows_an_officers_override_and_a_harvests_tax_saved(
    login, members_a, lived, firm_a
):
    from compliance.models import ComplianceReview

    with firm_scope(firm_a):
        p = lived["proposal"]
        p.flags = {
            **p.flags,
            "tlh": True,
            "harvest": [{"label": "harvest", "sold": "VTI", "substitute": "ITOT"}],
        }
        p.tax_saved, p.losses_st = Decimal("1234.56"), Decimal("-5000")
        p.save(update_fields=["flags", "tax_saved", "losses_st"])
        ComplianceReview.objects.filter(proposal=p).update(
            status="overridden", officer=members_a["compliance_officer"], reason="Client asked."
        )
    html = login(members_a["advisor"]).get(_pages(lived)["approval"]).content.decode()
    assert "estimated tax saved $1,234.56" in html
    assert "sell VTI at a loss, buy ITOT" in html
    assert "Client asked." in html


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_story_pages_keep_a_constant_number_of_queries(login, members_a, lived, firm_a):
    client = login(members_a["firm_admin"])
    pages = _pages(lived)
    before = {name: _count(client, url) for name, url in pages.items()}
    with firm_scope(firm_a):
        from notifications.models import OutboundMessage
        from trading.models import Fill, Order

        order = Order.objects.filter(proposal=lived["proposal"]).first()
        for i in range(5):
            Fill.objects.create(
                firm=firm_a,
                block_id=order.block_id,
                exec_id=f"extra-{i}",
                quantity=Decimal("1"),
                price=Decimal("100"),
            )
            audit_record(
                firm_id=firm_a.pk,
                event="trading.proposal_held",
                obj=lived["proposal"],
                payload={"reason": f"look {i}"},
            )
        message = OutboundMessage.objects.get(proposal=lived["proposal"], kind="trade_confirmation")
        for i in range(3):
            message.pk, message.dedupe_key = None, f"extra-{i}"
            message.save()
    after = {name: _count(client, url) for name, url in pages.items()}
    assert after == before
    assert max(before.values()) <= 40, before


def test_release_shows_only_on_held_proposals(login, members_a, firm_a, settings, tmp_path):
    from tests.story.conftest import ALL_FILL, live_a_proposal
    from trading.services.control import proposal_hold

    settings.TRADING_SIMULATED, settings.MEDIA_ROOT = ALL_FILL, tmp_path
    lived = live_a_proposal(firm_a, members_a["advisor"], batch=False)
    client = login(members_a["senior_advisor"])
    release = reverse("trading:release", args=[lived["proposal"].pk])
    hold = reverse("trading:hold", args=[lived["proposal"].pk])
    html = client.get(reverse("trading:home")).content.decode()
    assert hold in html and release not in html
    with firm_scope(firm_a):
        proposal_hold(by=members_a["senior_advisor"], proposal=lived["proposal"], reason="Call")
    html = client.get(reverse("trading:home")).content.decode()
    assert release in html and hold not in html
    page = client.get(reverse("drift:proposal", args=[lived["proposal"].pk])).content.decode()
    assert "Held back from the trade batch" in page and "“Call”" in page


def test_another_firms_audit_entries_never_join_the_timeline(login, members_a, lived, firm_b):
    """Firm B's chain naming the same proposal id (ids repeat across firms' sequences in
    payloads) stays out of firm A's timeline: the read is firm-scoped (app filter and RLS)."""
    with firm_scope(firm_b):
        audit_record(
            firm_id=firm_b.pk,
            event="proposal.approved",
            payload={"ids": [lived["proposal"].pk], "to": "approved", "reason": "BRAVO-ONLY"},
        )
    html = login(members_a["advisor"]).get(_pages(lived)["proposal"]).content.decode()
    assert "BRAVO-ONLY" not in html and "Bravo" not in html


def test_hold_and_release_say_which_proposal_by_account_and_version(
    login, members_a, firm_a, settings, tmp_path
):
    """The flash after a hold or a release names the account and version, never the row id."""
    from tests.story.conftest import ALL_FILL, live_a_proposal

    settings.TRADING_SIMULATED, settings.MEDIA_ROOT = ALL_FILL, tmp_path
    lived = live_a_proposal(firm_a, members_a["advisor"], batch=False)
    proposal = lived["proposal"]
    client = login(members_a["senior_advisor"])
    said = []
    for name, data in (("trading:hold", {"reason": "Call"}), ("trading:release", {})):
        response = client.post(reverse(name, args=[proposal.pk]), data, follow=True)
        said += [str(m) for m in response.context["messages"]]
    with firm_scope(firm_a):
        named = f"Proposal v{proposal.version} of {proposal.account.number}"
    assert said == [f"{named} held.", f"{named} released; it joins the next batch."]
