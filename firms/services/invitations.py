"""Inviting people into a firm: staff with a role, clients linked to their client record.

Nobody signs up on their own (firms.services.accounts). A firm administrator invites an email;
the email carries a link with a signed token (Django's signing, keyed by SECRET_KEY) that names
the firm and the invitation and expires; the database keeps only the SHA-256 of the token's
random part, so a database reader cannot accept anybody's invitation. Accepting sets a
password and creates the member with the invited role, in one transaction. Every step
(invited, revoked, accepted, refused) goes to the firm's audit chain."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from firms.choices import ROLE_RANK, STAFF_ROLES, Role
from firms.models import Firm, Invitation, Membership
from firms.permissions import Action, require
from firms.services.accounts import on_site_url
from firms.services.audit import audit_record
from firms.services.members import MemberRefused, member_create
from firms.services.tenancy import firm_scope

INVITE_SALT = "firms.invitation"
INVITE_DAYS = 7


class InvitationRefused(ValueError):
    """The invitation cannot be made, or accepted (the message says why)."""


def _nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _token(firm_id: int, invitation_id: int, nonce: str) -> str:
    return signing.dumps({"f": firm_id, "i": invitation_id, "n": nonce}, salt=INVITE_SALT)


def invitation_link(token: str) -> str:
    return on_site_url(reverse("people:invite_accept", args=[token]))


def _refuse_email_in_use(email: str, role: str, client) -> None:
    User = get_user_model()
    if role != Role.CLIENT and User.objects.filter(username__iexact=email).exists():
        raise InvitationRefused(
            f"{email} already has a staff sign-in; every staff member needs an email of their own."
        )
    if client is not None and client.user_id is not None:
        linked = Membership.objects.filter(user_id=client.user_id).select_related("user").first()
        if linked is not None and linked.user.has_usable_password():
            raise InvitationRefused(f"{client.name} can already sign in to the portal.")
    pending = Invitation.objects.filter(
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        raise InvitationRefused(
            f"{email} already has a pending invitation; revoke it first to send a new one."
        )


def invitation_create(
    *, actor: Membership, email: str, role: str, name: str = "", client=None
) -> tuple[Invitation, str]:
    """Invite `email` into the actor's firm; returns the invitation and its link (also emailed,
    once the transaction commits)."""
    require(actor, Action.PEOPLE)
    email = (email or "").strip().lower()
    if not email or "@" not in email:
        raise InvitationRefused("Enter the email address to send the invitation to.")
    if role == Role.CLIENT:
        if client is None:
            raise InvitationRefused("A client invitation must name the client record.")
        if client.firm_id != actor.firm_id:
            raise InvitationRefused("That client belongs to another firm.")
        name = name or client.name
    else:
        if role not in STAFF_ROLES:
            raise InvitationRefused(f"Unknown role {role!r}.")
        if ROLE_RANK[role] > ROLE_RANK[actor.role]:
            raise InvitationRefused(f"You may not invite a {Role(role).label}, a role above yours.")
        client = None
    _refuse_email_in_use(email, role, client)
    now = timezone.now()
    nonce = secrets.token_urlsafe(24)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            firm_id=actor.firm_id,
            email=email,
            name=name.strip(),
            role=role,
            client=client,
            token_hash=_nonce_hash(nonce),
            invited_by=actor.user,
            created_at=now,
            expires_at=now + timedelta(days=INVITE_DAYS),
        )
        audit_record(
            firm_id=actor.firm_id,
            event="invitation.created",
            actor=actor.user,
            obj=invitation,
            payload={
                "email": email,
                "role": role,
                "client": client.pk if client else None,
                "expires_at": invitation.expires_at.isoformat(),
            },
        )
        link = invitation_link(_token(actor.firm_id, invitation.pk, nonce))
        firm_name = actor.firm.name
        transaction.on_commit(lambda: _send(invitation, link, firm_name, actor))
    return invitation, link


def _send(invitation: Invitation, link: str, firm_name: str, actor: Membership) -> None:
    what = "your client portal" if invitation.role == Role.CLIENT else "Rebalance"
    send_mail(
        subject=f"{firm_name} invites you to {what}",
        message=(
            f"Hello{' ' + invitation.name if invitation.name else ''},\n\n"
            f"{actor.display_name} of {firm_name} invites you to {what}"
            + (
                f" as {Role(invitation.role).label.lower()}"
                if invitation.role != Role.CLIENT
                else ""
            )
            + f".\n\nChoose your password here (the link works once, until "
            f"{invitation.expires_at:%B %-d, %Y}):\n{link}\n\n"
            "If you did not expect this email, ignore it: nothing happens without the link.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


def invitation_revoke(*, actor: Membership, invitation: Invitation) -> None:
    require(actor, Action.PEOPLE)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        status = invitation.status_at(timezone.now())
        if status != "pending":
            raise InvitationRefused(f"This invitation is {status}; there is nothing to revoke.")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            firm_id=invitation.firm_id,
            event="invitation.revoked",
            actor=actor.user,
            obj=invitation,
            payload={"email": invitation.email, "role": invitation.role},
        )


@dataclass(frozen=True)
class OpenInvitation:
    firm: Firm
    invitation: Invitation
    nonce: str


REFUSED = "This invitation link is not valid: it was revoked, already used, or mistyped."
EXPIRED = "This invitation has expired. Ask your firm to send a new one."


def invitation_open(token: str, *, now: datetime | None = None) -> OpenInvitation:
    """The pending invitation a token names, read inside its firm's scope; raises
    InvitationRefused (the page shows the message) for anything else."""
    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=INVITE_SALT, max_age=timedelta(days=INVITE_DAYS + 1))
    except signing.SignatureExpired:
        raise InvitationRefused(EXPIRED) from None
    except signing.BadSignature:
        raise InvitationRefused(REFUSED) from None
    if not isinstance(data, dict) or not {"f", "i", "n"} <= set(data):
        raise InvitationRefused(REFUSED)
    with firm_scope(int(data["f"])):
        invitation = Invitation.objects.select_related("client").filter(pk=int(data["i"])).first()
        firm = Firm.objects.filter(pk=int(data["f"])).first()
    if invitation is None or firm is None or invitation.token_hash != _nonce_hash(data["n"]):
        raise InvitationRefused(REFUSED)
    status = invitation.status_at(now)
    if status == "expired":
        raise InvitationRefused(EXPIRED)
    if status != "pending":
        raise InvitationRefused(REFUSED)
    return OpenInvitation(firm, invitation, data["n"])


def invitation_accept(*, token: str, password: str, name: str = ""):
    """Accept: the member is created (or the client's portal user gets its password) with the
    invited role in the invited firm. Returns the user. Single use."""
    opened = invitation_open(token)
    with firm_scope(opened.firm.pk), transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=opened.invitation.pk)
        if invitation.status_at(timezone.now()) != "pending":
            raise InvitationRefused(REFUSED)
        name = (name or invitation.name).strip()
        user = _user_for(invitation, password, name)
        invitation.accepted_at, invitation.accepted_user = timezone.now(), user
        invitation.save(update_fields=["accepted_at", "accepted_user"])
        audit_record(
            firm_id=invitation.firm_id,
            event="invitation.accepted",
            actor=user,
            obj=invitation,
            payload={"email": invitation.email, "role": invitation.role},
        )
    return user


def _user_for(invitation: Invitation, password: str, name: str):
    client = invitation.client
    if client is not None and client.user_id is not None:  # a portal user from an emailed link
        user = client.user
        user.set_password(password)
        user.email = invitation.email
        user.save(update_fields=["password", "email"])
        return user
    try:
        member = member_create(
            firm=invitation.firm,
            email=invitation.email,
            role=invitation.role,
            password=password,
            name=name,
        )
    except MemberRefused as exc:
        raise InvitationRefused(str(exc)) from None
    if client is not None:
        client.user = member.user
        client.save(update_fields=["user"])
    return member.user
