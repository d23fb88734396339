"""Creating firms and their members; changing and removing a member's role."""

import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from firms.choices import ROLE_EDITORS, ROLE_RANK, Role
from firms.models import Firm, Membership
from firms.services.audit import audit_record
from firms.services.tenancy import firm_scope


class MemberRefused(ValueError):
    """A member cannot be created with these details (the message says why, for the form)."""


class RoleChangeRefused(PermissionDenied):
    """The actor may not make this role change (the message says why)."""


def firm_create(*, name: str, slug: str) -> Firm:
    """A platform act, audited. The new firm's id is drawn from its sequence first, so the
    row is inserted inside its own scope: the firms policy admits it, and no owner privilege
    is needed (the application's login has none)."""
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT nextval(pg_get_serial_sequence('firms_firm', 'id'))")
            firm_id = cur.fetchone()[0]
        with firm_scope(firm_id):
            firm = Firm.objects.create(pk=firm_id, name=name, slug=slug)
            audit_record(firm_id=firm.pk, event="firm.created", obj=firm, payload={"slug": slug})
    return firm


def _username(email: str, role: str) -> str:
    """Staff sign in with their email, which is their username (one per platform). A client's
    portal user never takes that name: a client's email is whatever their firm typed, so it may
    be anybody's (another firm's staff, a colleague); a name of its own keeps it from failing,
    from telling the firm that the email is in use elsewhere, and from squatting the email."""
    return f"client-{uuid.uuid4().hex}" if role == Role.CLIENT else email


def member_create(
    *, firm: Firm, email: str, role: str, password: str | None = None, name: str = ""
) -> Membership:
    """A user of `firm` holding `role`. Call inside the firm's scope."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}; expected one of {', '.join(Role.values)}")
    email = email.strip().lower()
    username = _username(email, role)
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise MemberRefused(
            f"{email} already has a staff sign-in; every staff member needs an email of their own."
        )
    first, _, last = name.partition(" ")
    with transaction.atomic():
        user = User.objects.create_user(
            username=username, email=email, password=password, first_name=first, last_name=last
        )
        membership = Membership.objects.create(firm=firm, user=user, role=role)
        audit_record(
            firm_id=firm.pk,
            event="member.created",
            obj=membership,
            payload={"email": email, "role": role},
        )
    return membership


def _role_change_problem(actor: Membership, membership: Membership, role: str | None) -> str:
    """Why `actor` may not give `membership` the role `role` (None: remove it), or ""."""
    if actor.firm_id != membership.firm_id:
        return "That member belongs to another firm."
    if actor.role not in ROLE_EDITORS:
        return "Only a firm administrator may change members' roles."
    if actor.pk == membership.pk:
        return "Nobody may change or remove their own role; ask another firm administrator."
    if ROLE_RANK[membership.role] > ROLE_RANK[actor.role]:
        return "You may not change the role of a member ranked above you."
    if role is None:
        return ""
    if role not in Role.values:
        return f"Unknown role {role!r}."
    if ROLE_RANK[role] > ROLE_RANK[actor.role]:
        return f"You may not grant {Role(role).label}, a role above your own."
    if (membership.role == Role.CLIENT) != (role == Role.CLIENT):
        return (
            "A client's sign-in never becomes a staff role, nor a staff sign-in a client's; "
            "create a separate user."
        )
    return ""


def _refuse(
    actor: Membership, membership: Membership, event: str, problem: str, payload: dict
) -> None:
    """Record the refused attempt on the firm's chain, then raise."""
    audit_record(
        firm_id=actor.firm_id,
        event=event,
        actor=actor.user,
        obj=membership,
        payload={**payload, "refused": problem},
    )
    raise RoleChangeRefused(problem)


def membership_role_change_check(*, actor: Membership, membership: Membership, role: str) -> None:
    """Raise RoleChangeRefused (the attempt audited) unless `actor` may give `membership` the
    role `role`: forms call this in their validation, the change itself re-checks."""
    if problem := _role_change_problem(actor, membership, role):
        _refuse(
            actor,
            membership,
            "member.role_change_refused",
            problem,
            {"email": membership.user.email, "from": membership.role, "to": role},
        )


def membership_role_change(*, actor: Membership, membership: Membership, role: str) -> Membership:
    """Give `membership` the role `role`, if `actor` may (see _role_change_problem); every
    change, and every refused attempt, is written to the firm's audit chain."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        )
        payload = {"email": membership.user.email, "from": membership.role, "to": role}
        problem = _role_change_problem(actor, membership, role)
        if not problem and membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
            audit_record(
                firm_id=membership.firm_id,
                event="member.role_changed",
                actor=actor.user,
                obj=membership,
                payload=payload,
            )
    if problem:
        _refuse(actor, membership, "member.role_change_refused", problem, payload)
    return membership


def membership_remove(*, actor: Membership, membership: Membership) -> None:
    """Remove `membership` from the firm (its user can no longer use the product), under the
    same rule as a role change; audited, refused attempts too."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        )
        payload = {"email": membership.user.email, "role": membership.role}
        problem = _role_change_problem(actor, membership, None)
        if not problem:
            try:
                with transaction.atomic():
                    audit_record(
                        firm_id=membership.firm_id,
                        event="member.removed",
                        actor=actor.user,
                        obj=membership,
                        payload=payload,
                    )
                    membership.delete()
            except (ProtectedError, DatabaseError):  # votes and monthly reports keep their signer
                problem = (
                    "This member signed records the firm must keep "
                    "(committee votes, monthly reports); they cannot be removed."
                )
    if problem:
        _refuse(actor, membership, "member.remove_refused", problem, payload)
