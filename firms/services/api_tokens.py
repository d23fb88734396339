"""API tokens stored as their SHA-256 only, and the API's authentication against them.

DRF's authtoken table kept every key in plain text, readable by any SQL on the application's
connection. Here the key is shown once, when created; the database keeps its hash, which is
useless to replay (a key is 40 random hex characters: no dictionary reaches it).

A token is named, may be scoped to a role (it then acts with that role: the role matrix,
firms.permissions, limits it; never more than its member's own role allows), records when it
was last used, and is revoked rather than deleted. Issuing and revoking are audited."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from firms.choices import STAFF_ROLES, Role
from firms.models import ApiToken, Membership
from firms.permissions import Action, actions_of, require
from firms.services.audit import audit_record

# last_used_at is written at most once a minute per token: a busy integration does not turn
# every API read into a write.
LAST_USED_EVERY = timedelta(seconds=60)


class TokenRefused(ValueError):
    """The token cannot be issued or revoked (the message says why)."""


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(user, *, name: str = "", role: str = "", created_by=None) -> str:
    """A new token for `user`; returns the key (the only time it exists in clear)."""
    key = secrets.token_hex(20)
    ApiToken.objects.create(
        user=user,
        key_hash=token_hash(key),
        prefix=key[:8],
        name=name,
        role=role,
        created_by=created_by,
    )
    return key


def scope_fits(member_role: str, scope: str) -> bool:
    """A token of a member holding `member_role` may act as `scope` only if everything the
    scope may do, the member may do too."""
    return scope in STAFF_ROLES and actions_of(scope) <= actions_of(member_role)


def api_token_issue(
    *, actor: Membership, member: Membership, name: str, role: str = ""
) -> tuple[ApiToken, str]:
    """A firm administrator issues a named token for a staff member of the firm, optionally
    scoped to a role; returns the row and the key (shown once)."""
    require(actor, Action.API_TOKENS)
    name = (name or "").strip()
    if not name:
        raise TokenRefused("Name the token after what will use it (e.g. “CRM sync”).")
    if member.firm_id != actor.firm_id:
        raise TokenRefused("That member belongs to another firm.")
    if member.role == Role.CLIENT:
        raise TokenRefused("API tokens are for staff; a client uses the portal.")
    if role and not scope_fits(member.role, role):
        raise TokenRefused(
            f"{member.display_name} is a {member.get_role_display()}: a token of theirs cannot "
            f"act as {Role(role).label}, which may do things their role may not."
        )
    with transaction.atomic():
        key = api_token_create(member.user, name=name, role=role, created_by=actor.user)
        token = ApiToken.objects.get(key_hash=token_hash(key))
        audit_record(
            firm_id=actor.firm_id,
            event="api_token.issued",
            actor=actor.user,
            obj=token,
            payload={
                "name": name,
                "prefix": token.prefix,
                "member": member.user.email,
                "role": role or member.role,
            },
        )
    return token, key


def firm_tokens(firm_id: int):
    """The firm's tokens (through its memberships, which row-level security scopes)."""
    return (
        ApiToken.objects.filter(user__membership__firm_id=firm_id)
        .select_related("user", "user__membership")
        .order_by("revoked_at", "-created_at")
    )


def api_token_revoke(*, actor: Membership, token: ApiToken) -> None:
    require(actor, Action.API_TOKENS)
    with transaction.atomic():
        token = firm_tokens(actor.firm_id).select_for_update(of=("self",)).get(pk=token.pk)
        if token.revoked_at is not None:
            raise TokenRefused("This token is already revoked.")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            firm_id=actor.firm_id,
            event="api_token.revoked",
            actor=actor.user,
            obj=token,
            payload={"name": token.name, "prefix": token.prefix, "member": token.user.email},
        )


def api_token_lookup(key: str) -> ApiToken | None:
    """The active token with this key (its user active, the token not revoked), or None. Marks
    it used (at most once a minute)."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(key.strip()), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_user(key: str):
    """The active user holding this key, or None."""
    token = api_token_lookup(key)
    return token.user if token is not None else None


def scoped_membership(membership: Membership, token: ApiToken | None) -> Membership | None:
    """The membership a request with `token` acts as: the member's own, or a copy holding the
    token's role (never saved). None when the scope no longer fits the member's role (their
    role was lowered since): the request is then refused."""
    if token is None or not token.role or token.role == membership.role:
        return membership
    if not scope_fits(membership.role, token.role):
        return None
    scoped = Membership(
        pk=membership.pk, firm_id=membership.firm_id, user_id=membership.user_id, role=token.role
    )
    scoped.firm = membership.firm
    scoped.user = membership.user
    scoped.save = scoped.delete = _read_only  # a scoped copy is never written
    return scoped


def _read_only(*args, **kwargs):
    raise RuntimeError("A token-scoped membership is a view of the member, never saved.")


class HashedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's TokenAuthentication, against the hashed store."""

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=token_hash(key.strip()), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise AuthenticationFailed("Invalid token.")
        return (token.user, token)
