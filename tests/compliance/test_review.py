"""Blocked proposals never route; officers override (with a reason, audited) or reject;
the wash-sale substitute regenerates the proposal as a new version."""

import pytest
from django.urls import reverse

from compliance.models import ComplianceReview
from compliance.services import ProposalNotRoutable, proposal_assert_routable
from compliance.services.checks import proposals_check
from compliance.services.regenerate import proposal_regenerate_substitute
from compliance.services.review import ReviewRefused, review_override, review_reject
from drift.models import Proposal
from drift.services.transitions import TransitionNotAllowed, proposals_transition
from firms.choices import Role
from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
from portfolios.models import Substitute
from tests.compliance.helpers import account_for, book, proposal, security, txn

pytestmark = pytest.mark.django_db


_BOOKS: dict = {}


@pytest.fixture(autouse=True)
def _fresh_books():
    _BOOKS.clear()


def make(firm, kind):
    """A checked proposal that comes out `kind` (clear / flagged / blocked)."""
    if firm.pk not in _BOOKS:
        _BOOKS[firm.pk] = (
            book(firm),
            security(firm, "DIV", 1, diversified=True),
            security(firm, "STK", 1, security_type="stock"),
        )
    b, div, stk = _BOOKS[firm.pk]
    trades = {
        "clear": [(div, "buy", 5000, 1, 0)],
        "flagged": [(div, "buy", 3000, 1, 0), (stk, "buy", 2000, 1, 0)],
        "blocked": [(div, "buy", 10000, 1, 0)],
    }[kind]
    p = proposal(firm, account_for(firm, b), trades)
    proposals_check(firm_id=firm.pk, proposal_ids=[p.pk])
    return Proposal.objects.get(pk=p.pk)


@pytest.fixture
def token_for():
    from firms.services.api_tokens import api_token_create

    return lambda m: {"HTTP_AUTHORIZATION": f"Token {api_token_create(m.user)}"}


def test_only_a_cleared_or_overridden_proposal_is_routable(scoped, members_a):
    clear, flagged, blocked = (
        make(scoped, "clear"),
        make(scoped, "flagged"),
        make(scoped, "blocked"),
    )
    proposal_assert_routable(clear)
    for p, words in ((flagged, "flagged"), (blocked, "blocked")):
        with pytest.raises(ProposalNotRoutable, match=words):
            proposal_assert_routable(p)
    with pytest.raises(TransitionNotAllowed):
        proposals_transition(ids=[blocked.pk], to="awaiting_approval")
    review_override(
        review=flagged.compliance_review,
        officer=members_a[Role.COMPLIANCE_OFFICER],
        reason="Client asked in writing",
    )
    proposal_assert_routable(Proposal.objects.get(pk=flagged.pk))


def test_a_proposal_never_checked_is_not_routable(scoped):
    b = book(scoped)
    p = proposal(scoped, b["accounts"][0], [(b["stock"], "buy", 1, 100, 0)], status="checked")
    with pytest.raises(ProposalNotRoutable, match="not checked"):
        proposal_assert_routable(p)


def test_an_override_needs_a_reason_and_is_audited_with_it(scoped, members_a):
    officer = members_a[Role.COMPLIANCE_OFFICER]
    p = make(scoped, "flagged")
    with pytest.raises(ReviewRefused, match="written reason"):
        review_override(review=p.compliance_review, officer=officer, reason="   ")
    review_override(
        review=p.compliance_review,
        officer=officer,
        reason="Concentrated by the client's instruction",
    )
    review = ComplianceReview.objects.get(proposal=p)
    assert (review.status, review.officer, Proposal.objects.get(pk=p.pk).status) == (
        "overridden",
        officer,
        "checked",
    )
    entry = AuditEntry.objects.get(event="compliance.override")
    assert (
        entry.payload["reason"] == "Concentrated by the client's instruction"
        and "concentration" in entry.payload["failing"]
    )
    assert entry.actor == officer.user and entry.object_id == str(p.pk)


def test_a_blocked_proposal_cannot_be_overridden_but_can_be_rejected(scoped, members_a):
    officer = members_a[Role.COMPLIANCE_OFFICER]
    p = make(scoped, "blocked")
    with pytest.raises(ReviewRefused, match="cannot be overridden"):
        review_override(review=p.compliance_review, officer=officer, reason="please")
    review_reject(review=p.compliance_review, officer=officer, reason="Cash floor")
    assert Proposal.objects.get(pk=p.pk).status == "declined"
    assert AuditEntry.objects.filter(event="compliance.reject", object_id=str(p.pk)).exists()


def test_the_wash_sale_substitute_regenerates_a_new_version_and_supersedes_the_old(
    scoped, members_a, django_capture_on_commit_callbacks
):
    b = book(scoped)
    acct = b["accounts"][0]
    schb = security(scoped, "SCHB", 50, diversified=True)
    Substitute.objects.create(firm=scoped, security=b["stock"], substitute=schb)
    txn(scoped, acct, b["stock"], "sell", 10, gain=-700)
    old = proposal(scoped, acct, [(b["stock"], "buy", 20, 100, 0)])
    proposals_check(firm_id=scoped.pk, proposal_ids=[old.pk])
    old.refresh_from_db()
    assert old.status == "blocked"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        new = proposal_regenerate_substitute(proposal=old, actor=members_a[Role.ADVISOR])
    trade = new.trades.get()
    assert (trade.security, trade.quantity, new.version, new.status) == (
        schb,
        40,
        old.version + 1,
        "draft",
    )
    assert (
        Proposal.objects.get(pk=old.pk).status == "superseded"
        and new.content_hash != old.content_hash
    )
    assert (
        len(callbacks) == 2
    )  # proposals_moved (the old one superseded) and proposals_created (the new one is checked)
    proposals_check(firm_id=scoped.pk, proposal_ids=[new.pk])
    assert Proposal.objects.get(pk=new.pk).status == "checked"


def test_blocked_proposals_cannot_be_routed_or_overridden_through_the_api(
    scoped, members_a, client, token_for
):
    officer = members_a[Role.COMPLIANCE_OFFICER]
    blocked, clear = make(scoped, "blocked"), make(scoped, "clear")
    auth = token_for(officer)
    r = client.get(reverse("compliance-proposal-routable", args=[blocked.pk]), **auth)
    assert r.status_code == 409 and "blocked" in r.json()["detail"]
    assert client.get(reverse("compliance-proposal-routable", args=[clear.pk]), **auth).json() == {
        "routable": True
    }
    r = client.post(
        reverse("compliance-proposal-override", args=[blocked.pk]),
        {"reason": "ok"},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 409 and Proposal.objects.get(pk=blocked.pk).status == "blocked"


def test_the_api_override_needs_a_reason_and_an_officer(scoped, members_a, client, token_for):
    p = make(scoped, "flagged")
    url = reverse("compliance-proposal-override", args=[p.pk])
    assert (
        client.post(
            url,
            {"reason": "x"},
            content_type="application/json",
            **token_for(members_a[Role.ADVISOR]),
        ).status_code
        == 403
    )
    auth = token_for(members_a[Role.COMPLIANCE_OFFICER])
    r = client.post(url, {"reason": "  "}, content_type="application/json", **auth)
    assert r.status_code == 400 and "written reason" in r.json()["reason"][0]
    r = client.post(
        url, {"reason": "Documented exception"}, content_type="application/json", **auth
    )
    assert r.status_code == 200 and r.json()["review"]["status"] == "overridden"


def test_the_ui_override_without_a_reason_is_a_form_error_and_blocked_shows_why(
    scoped, members_a, login
):
    flagged, blocked = make(scoped, "flagged"), make(scoped, "blocked")
    client = login(members_a[Role.COMPLIANCE_OFFICER])
    r = client.post(reverse("compliance:override", args=[flagged.pk]), {"reason": ""})
    assert r.status_code == 400 and "An override needs a written reason." in r.content.decode()
    r = client.post(reverse("compliance:override", args=[blocked.pk]), {"reason": "please"})
    assert r.status_code == 409 and Proposal.objects.get(pk=blocked.pk).status == "blocked"
    page = client.get(reverse("drift:proposal", args=[blocked.pk])).content.decode()
    assert "can never be routed or sent" in page and "Liquidity" in page
    r = client.post(
        reverse("compliance:override", args=[flagged.pk]), {"reason": "Signed client letter"}
    )
    assert r.status_code == 302 and Proposal.objects.get(pk=flagged.pk).status == "checked"


def test_the_queue_is_for_officers_and_costs_constant_queries(
    scoped, members_a, login, django_assert_max_num_queries
):
    make(scoped, "flagged")
    client = login(members_a[Role.COMPLIANCE_OFFICER])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert "Concentration" in client.get(reverse("compliance:queue")).content.decode()
    for _ in range(4):
        make(scoped, "blocked")
    with CaptureQueriesContext(connection) as more:
        page = client.get(reverse("compliance:queue")).content.decode()
    assert page.count('badge bad">Blocked') == 4 and len(more) == len(few)
    assert login(members_a[Role.ADVISOR]).get(reverse("compliance:queue")).status_code == 403


def test_officers_edit_identical_pairs_in_either_order_once(scoped, members_a, login):
    b = book(scoped)
    itot = security(scoped, "ITOT", 110)
    client = login(members_a[Role.COMPLIANCE_OFFICER])
    r = client.post(reverse("compliance:pairs"), {"first": itot.pk, "second": b["stock"].pk})
    assert r.status_code == 302
    r = client.post(reverse("compliance:pairs"), {"first": b["stock"].pk, "second": itot.pk})
    assert "already a substantially identical pair" in r.content.decode()
    with firm_scope(scoped):
        from portfolios.models import SubstantiallyIdenticalPair

        pair = SubstantiallyIdenticalPair.objects.get()
    assert pair.security_a_id < pair.security_b_id
    client.post(reverse("compliance:pair_delete", args=[pair.pk]))
    assert not SubstantiallyIdenticalPair.objects.exists()


def test_rule_parameters_are_validated_with_a_message_naming_the_field(scoped, members_a, login):
    from compliance.services.rules import compliance_rules_ensure_defaults
    from drift.models import ComplianceRule

    compliance_rules_ensure_defaults(firm_id=scoped.pk)
    rule = ComplianceRule.objects.get(kind="concentration")
    client = login(members_a[Role.COMPLIANCE_OFFICER])
    r = client.post(
        reverse("compliance:rule_edit", args=[rule.pk]),
        {"severity": "block", "enabled": "on", "max_pct": "abc", "security_types": ["stock"]},
    )
    assert "Enter a number" in r.content.decode()
    r = client.post(
        reverse("compliance:rule_edit", args=[rule.pk]),
        {"severity": "block", "enabled": "on", "max_pct": "150", "security_types": ["stock"]},
    )
    assert "“max_pct” must be a number from 0.01 to 100" in r.content.decode()
    r = client.post(
        reverse("compliance:rule_edit", args=[rule.pk]),
        {
            "severity": "block",
            "enabled": "on",
            "max_pct": "12.5",
            "security_types": ["stock", "etf"],
            "exempt_diversified": "on",
        },
    )
    assert r.status_code == 302
    rule.refresh_from_db()
    assert (
        rule.severity == "block"
        and rule.params["max_pct"] == "12.5"
        and rule.params["exempt_diversified"] is True
    )


def test_the_api_queue_lists_flagged_and_blocked_with_constant_queries(
    scoped, members_a, client, token_for
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make(scoped, "clear")
    make(scoped, "flagged")
    auth = token_for(members_a[Role.COMPLIANCE_OFFICER])
    url = reverse("compliance-proposal-list")
    client.get(url, **auth)  # the token's first use records last_used_at (once a minute)
    with CaptureQueriesContext(connection) as few:
        assert [p["review"]["status"] for p in client.get(url, **auth).json()["results"]] == [
            "flagged"
        ]
    for _ in range(3):
        make(scoped, "blocked")
    with CaptureQueriesContext(connection) as more:
        body = client.get(url, **auth).json()
    assert body["count"] == 4 and len(more) == len(few)
    blocked = [p for p in body["results"] if p["status"] == "blocked"][0]
    assert any(
        c["kind"] == "liquidity" and not c["passed"] and c["suggestion"] for c in blocked["checks"]
    )


def test_the_bulk_gate_names_why_each_proposal_may_not_go_on(scoped):
    from compliance.services import proposals_not_routable

    clear, flagged, blocked = (
        make(scoped, "clear"),
        make(scoped, "flagged"),
        make(scoped, "blocked"),
    )
    reasons = proposals_not_routable([clear.pk, flagged.pk, blocked.pk])
    assert set(reasons) == {flagged.pk, blocked.pk} and "blocked" in reasons[blocked.pk]


def test_overriding_a_version_a_newer_one_replaced_is_refused_with_the_reason(scoped, members_a):
    flagged = make(scoped, "flagged")
    proposals_transition(ids=[flagged.pk], to="superseded", reason="a newer version")
    with pytest.raises(ReviewRefused, match="superseded by a newer version cannot become checked"):
        review_override(
            review=flagged.compliance_review,
            officer=members_a[Role.COMPLIANCE_OFFICER],
            reason="fine",
        )
    assert ComplianceReview.objects.get(proposal=flagged).status == "flagged"


def test_a_superseded_blocked_version_leaves_the_officers_queue(scoped, members_a, login):
    """The next scan built a newer version: the old blocked one no longer waits for anyone."""
    old, waiting = make(scoped, "blocked"), make(scoped, "blocked")
    proposals_transition(ids=[old.pk], to="superseded", reason="a newer version replaces it")
    client = login(members_a["compliance_officer"])
    body = client.get("/compliance/").content.decode()
    assert f"{waiting.account.number} v{waiting.version}" in body
    assert f"{old.account.number} v{old.version}" not in body
    # Its review stays on record: the "Blocked" filter still lists it.
    history = client.get("/compliance/?status=blocked").content.decode()
    assert f"{old.account.number} v{old.version}" in history
