"""The API token page: a firm administrator issues a named token for a member, optionally
scoped to a role; the key is shown once and stored as its SHA-256; last use is recorded; a
revoked token stops working; a scoped token is limited by the role matrix on the API."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from firms.choices import Role
from firms.models import ApiToken, AuditEntry
from firms.services.api_tokens import TokenRefused, api_token_issue
from firms.services.tenancy import firm_scope

pytestmark = pytest.mark.django_db


def _issue(client, member, name="CRM sync", role=""):
    page = client.post(reverse("people:tokens"), {"name": name, "member": member.pk, "role": role})
    assert page.status_code == 201, page.content.decode()
    return page, page.context["issued"]["key"]


def test_a_token_is_shown_once_hashed_and_audited(login, firm_a, members_a):
    admin = login(members_a[Role.FIRM_ADMIN])
    page, key = _issue(admin, members_a[Role.OPS])
    assert key in page.content.decode() and page["Cache-Control"].startswith("max-age=0")
    token = ApiToken.objects.get(prefix=key[:8])
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert not ApiToken.objects.filter(key_hash=key).exists()
    assert token.name == "CRM sync" and token.user == members_a[Role.OPS].user
    listing = admin.get(reverse("people:tokens")).content.decode()
    assert key not in listing and f"{key[:8]}…" in listing and "never" in listing
    with firm_scope(firm_a):
        entry = AuditEntry.objects.get(event="api_token.issued")
        assert key not in str(entry.payload) and entry.payload["name"] == "CRM sync"


def test_last_used_updates_and_a_revoked_token_stops_working(client, login, firm_a, members_a):
    admin = login(members_a[Role.FIRM_ADMIN])
    _page, key = _issue(admin, members_a[Role.ADVISOR])
    token = ApiToken.objects.get(prefix=key[:8])
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/book/accounts/", **auth).status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=30)
    # A minute later, the next call moves it on.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=5))
    client.get("/api/book/accounts/", **auth)
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=5)

    assert admin.post(reverse("people:token_revoke", args=[token.pk])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/book/accounts/", **auth).status_code in (401, 403)
    with firm_scope(firm_a):
        assert AuditEntry.objects.filter(event="api_token.revoked").exists()


def test_a_token_scoped_to_a_role_is_limited_by_that_role(client, login, members_a, firm_a):
    """A firm administrator's own token scoped to compliance officer may not import the book
    (the matrix gives that to advisors, ops and administrators); scoped to advisor it may."""
    from tests.factories import make_book

    with firm_scope(firm_a):
        book = make_book(firm_a, accounts=1)
        book["accounts"][0].__class__.objects.update(segment="conservative")  # 66/34 breaches
        from drift.services.scan import drift_scan_run

        drift_scan_run(firm_id=firm_a.pk, as_of=book["stock"].prices.first().date)
        from drift.models import Proposal

        proposal = Proposal.objects.first()
    admin = login(members_a[Role.FIRM_ADMIN])
    me = members_a[Role.FIRM_ADMIN]
    _p, as_advisor = _issue(admin, me, name="advisor feed", role=Role.ADVISOR)
    _p, as_officer = _issue(admin, me, name="compliance bot", role=Role.COMPLIANCE_OFFICER)
    officer, advisor = (
        {"HTTP_AUTHORIZATION": f"Token {as_officer}"},
        {"HTTP_AUTHORIZATION": f"Token {as_advisor}"},
    )
    refused = client.post("/api/book/import/", {}, **officer)
    assert refused.status_code == 403
    assert client.post("/api/book/import/", {}, **advisor).status_code == 400  # past the gate
    # A compliance override: the officer scope passes the role gate, the advisor scope not.
    url = f"/api/compliance/proposals/{proposal.pk}/override/"
    denied = client.post(url, {"reason": "x"}, **advisor)
    assert denied.status_code == 403
    assert "override or reject compliance findings" in denied.json()["detail"]
    assert client.post(url, {"reason": "x"}, **officer).status_code != 403
    assert client.get("/api/book/accounts/", **advisor).status_code == 200


def test_a_scope_above_the_members_role_is_refused(login, firm_a, members_a):
    admin = login(members_a[Role.FIRM_ADMIN])
    page = admin.post(
        reverse("people:tokens"),
        {"name": "x", "member": members_a[Role.ADVISOR].pk, "role": Role.COMPLIANCE_OFFICER},
    )
    assert page.status_code == 400
    assert "cannot act as Compliance officer" in page.content.decode()
    with firm_scope(firm_a), pytest.raises(TokenRefused, match="Name the token"):
        api_token_issue(actor=members_a[Role.FIRM_ADMIN], member=members_a[Role.OPS], name=" ")
    assert not ApiToken.objects.exists()


def test_only_a_firm_administrator_manages_tokens_and_never_another_firms(
    login, firm_a, firm_b, members_a, members_b
):
    b_admin = login(members_b[Role.FIRM_ADMIN])
    _p, b_key = _issue(b_admin, members_b[Role.OPS], name="beta feed")
    b_token = ApiToken.objects.get(prefix=b_key[:8])
    for role in (Role.ADVISOR, Role.OPS, Role.SENIOR_ADVISOR, Role.COMPLIANCE_OFFICER):
        c = login(members_a[role])
        assert c.get(reverse("people:tokens")).status_code == 403
        assert c.post(reverse("people:token_revoke", args=[b_token.pk])).status_code == 403
    a_admin = login(members_a[Role.FIRM_ADMIN])
    listing = a_admin.get(reverse("people:tokens")).content.decode()
    assert "beta feed" not in listing and b_key[:8] not in listing
    assert a_admin.post(reverse("people:token_revoke", args=[b_token.pk])).status_code == 404
    # Firm A cannot issue a token for firm B's member either.
    page = a_admin.post(
        reverse("people:tokens"), {"name": "x", "member": members_b[Role.OPS].pk, "role": ""}
    )
    assert page.status_code == 400
    b_token.refresh_from_db()
    assert b_token.revoked_at is None
    assert ApiToken.objects.count() == 1
