"""Invitations end to end: a firm administrator invites staff (a role) and clients (their
record); the email's link sets a password and lands the person in the right firm with the
right role; expired, revoked, used or forged links are refused; nobody invites into another
firm; everything audited."""

from datetime import timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from firms.choices import Role
from firms.models import AuditEntry, Invitation, Membership
from firms.services.invitations import INVITE_SALT, InvitationRefused, invitation_create
from firms.services.tenancy import firm_scope

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-long-new-pass-2026"


def _link_from_outbox() -> str:
    body = mail.outbox[-1].body
    return next(line for line in body.splitlines() if "/invite/" in line).strip()


def _path(link: str) -> str:
    return link[link.index("/invite/") :]


def test_an_invited_advisor_sets_a_password_and_lands_in_the_firm_with_the_role(
    client, login, firm_a, members_a, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://rebalance.example"
    admin = login(members_a[Role.FIRM_ADMIN])
    with django_capture_on_commit_callbacks(execute=True):  # the email goes after the commit
        page = admin.post(
            reverse("people:home"),
            {
                "kind": "staff",
                "email": "New.Advisor@alpha.test",
                "name": "Nia Vo",
                "role": "advisor",
            },
            follow=True,
        )
    assert "Invitation sent to new.advisor@alpha.test (advisor)" in page.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.advisor@alpha.test"]
    link = _link_from_outbox()
    assert link.startswith("https://rebalance.example/invite/")  # SITE_URL, never the Host
    with firm_scope(firm_a):
        invitation = Invitation.objects.get()
        # Only a hash of the token's random part is stored: the link is not in the database.
        assert invitation.token_hash not in link and len(invitation.token_hash) == 64
        assert AuditEntry.objects.filter(event="invitation.created").exists()
    admin.post(reverse("account_logout"))

    form = client.get(_path(link))
    assert form.status_code == 200 and "Join Alpha" in form.content.decode()
    bad = client.post(_path(link), {"password1": "short", "password2": "short"})
    assert bad.status_code == 400
    done = client.post(
        _path(link), {"name": "Nia Vo", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    with firm_scope(firm_a):
        member = Membership.objects.select_related("user").get(user__email="new.advisor@alpha.test")
        assert member.role == Role.ADVISOR and member.firm_id == firm_a.pk
        assert member.user.check_password(NEW_PASSWORD) and member.user.first_name == "Nia"
        assert Invitation.objects.get().accepted_user_id == member.user_id
        assert AuditEntry.objects.filter(event="invitation.accepted").exists()
    # Signed in: the drift page opens.
    assert client.get(reverse("drift:drifted")).status_code == 200
    client.post(reverse("account_logout"))
    # Single use.
    again = client.get(_path(link))
    assert again.status_code == 410 and "not valid" in again.content.decode()
    # And the password works on the login page.
    login_page = client.post(
        reverse("account_login"), {"login": "new.advisor@alpha.test", "password": NEW_PASSWORD}
    )
    assert login_page.status_code == 302


def test_a_client_invitation_links_the_client_record(
    client, login, firm_a, members_a, django_capture_on_commit_callbacks
):
    from tests.factories import ClientFactory

    with firm_scope(firm_a):
        record = ClientFactory(firm=firm_a, email="jane@client.test", name="Jane Roe")
    admin = login(members_a[Role.FIRM_ADMIN])
    missing = admin.post(reverse("people:home"), {"kind": "client", "client_email": "x@y.test"})
    assert "No client of your firm has the email x@y.test" in missing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("people:home"), {"kind": "client", "client_email": "jane@client.test"})
    assert mail.outbox[-1].to == ["jane@client.test"]
    link = _link_from_outbox()
    admin.post(reverse("account_logout"))
    client.post(_path(link), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    with firm_scope(firm_a):
        record.refresh_from_db()
        member = Membership.objects.get(user=record.user)
        assert member.role == Role.CLIENT and member.firm_id == firm_a.pk
    assert client.get(reverse("home"))["Location"] == reverse("portal:home")


def test_expired_revoked_and_forged_links_are_refused(client, login, firm_a, members_a):
    admin_member = members_a[Role.FIRM_ADMIN]
    with firm_scope(firm_a):
        expired, expired_link = invitation_create(
            actor=admin_member, email="late@alpha.test", role=Role.ADVISOR
        )
        Invitation.objects.filter(pk=expired.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        revoked, revoked_link = invitation_create(
            actor=admin_member, email="gone@alpha.test", role=Role.OPS
        )
    admin = login(admin_member)
    assert admin.post(reverse("people:invitation_revoke", args=[revoked.pk])).status_code == 302
    with firm_scope(firm_a):
        assert Invitation.objects.get(pk=revoked.pk).revoked_at is not None
        assert AuditEntry.objects.filter(event="invitation.revoked").exists()
    admin.post(reverse("account_logout"))

    page = client.get(_path(expired_link))
    assert page.status_code == 410 and "has expired" in page.content.decode()
    post = client.post(_path(expired_link), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert post.status_code == 410
    assert (
        client.post(
            _path(revoked_link), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        ).status_code
        == 410
    )
    # A token re-signed without the key, or naming another invitation's id: refused.
    forged = signing.dumps({"f": firm_a.pk, "i": revoked.pk, "n": "guess"}, salt=INVITE_SALT)
    assert client.get(f"/invite/{forged}/").status_code == 410
    assert client.get("/invite/not-a-token/").status_code == 410
    with firm_scope(firm_a):
        assert not Membership.objects.filter(
            user__email__in=["late@alpha.test", "gone@alpha.test"]
        ).exists()


def test_nobody_invites_into_another_firm_or_above_their_role(
    login, firm_a, firm_b, members_a, members_b
):
    from tests.factories import ClientFactory

    with firm_scope(firm_b):
        ClientFactory(firm=firm_b, email="b-client@beta.test")
        b_invite, _ = invitation_create(
            actor=members_b[Role.FIRM_ADMIN], email="b-new@beta.test", role=Role.ADVISOR
        )
    admin = login(members_a[Role.FIRM_ADMIN])
    # Firm B's client is not found from firm A.
    page = admin.post(
        reverse("people:home"), {"kind": "client", "client_email": "b-client@beta.test"}
    )
    assert "No client of your firm" in page.content.decode()
    # Firm B's invitation cannot be revoked from firm A.
    assert admin.post(reverse("people:invitation_revoke", args=[b_invite.pk])).status_code == 404
    with firm_scope(firm_b):
        assert Invitation.objects.get(pk=b_invite.pk).revoked_at is None
    # The service refuses a client of another firm outright.
    with firm_scope(firm_b):
        b_client = ClientFactory(firm=firm_b, email="b2@beta.test")
    with firm_scope(firm_a), pytest.raises(InvitationRefused, match="another firm"):
        invitation_create(
            actor=members_a[Role.FIRM_ADMIN],
            email="b2@beta.test",
            role=Role.CLIENT,
            client=b_client,
        )
    # Only a firm administrator invites.
    for role in (Role.ADVISOR, Role.SENIOR_ADVISOR, Role.OPS, Role.COMPLIANCE_OFFICER):
        other = login(members_a[role])
        assert other.get(reverse("people:home")).status_code == 403
        assert (
            other.post(
                reverse("people:home"),
                {"kind": "staff", "email": "x@alpha.test", "role": "advisor"},
            ).status_code
            == 403
        )
    with firm_scope(firm_a):
        assert not Invitation.objects.exists()


def test_an_email_with_a_staff_sign_in_or_a_pending_invitation_is_refused(login, members_a):
    admin = login(members_a[Role.FIRM_ADMIN])
    taken = members_a[Role.OPS].user.email
    page = admin.post(reverse("people:home"), {"kind": "staff", "email": taken, "role": "ops"})
    assert page.status_code == 400 and "already has a staff sign-in" in page.content.decode()
    admin.post(
        reverse("people:home"), {"kind": "staff", "email": "twice@alpha.test", "role": "ops"}
    )
    page = admin.post(
        reverse("people:home"), {"kind": "staff", "email": "twice@alpha.test", "role": "ops"}
    )
    assert "already has a pending invitation" in page.content.decode()


def test_the_people_page_lists_in_constant_queries(
    login, firm_a, members_a, django_assert_max_num_queries
):
    admin = login(members_a[Role.FIRM_ADMIN])
    with django_assert_max_num_queries(14):
        assert admin.get(reverse("people:home")).status_code == 200
    with firm_scope(firm_a):
        for i in range(6):
            invitation_create(
                actor=members_a[Role.FIRM_ADMIN], email=f"p{i}@alpha.test", role=Role.ADVISOR
            )
    with django_assert_max_num_queries(14):
        page = admin.get(reverse("people:home"))
    assert page.content.decode().count("Pending") == 6


def test_removing_a_member_asks_for_confirmation(login, firm_a, members_a):
    admin = login(members_a[Role.FIRM_ADMIN])
    target = members_a[Role.OPS]
    url = reverse("people:member_remove", args=[target.pk])
    ask = admin.post(url)
    assert ask.status_code == 200 and "Confirm: remove the member" in ask.content.decode()
    with firm_scope(firm_a):
        assert Membership.objects.filter(pk=target.pk).exists()
    admin.post(url, {"confirmed": "yes"})
    with firm_scope(firm_a):
        assert not Membership.objects.filter(pk=target.pk).exists()
