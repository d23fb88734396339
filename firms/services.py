"""Creating firms and their members."""
from django.contrib.auth import get_user_model
from django.db import transaction

from .audit import audit_record
from .db_security import owner_role
from .models import Firm, Membership
from .roles import Role
from .tenancy import firm_scope


def firm_create(*, name: str, slug: str) -> Firm:
    """A platform act: the new firm's id is not known before the insert, so no firm policy
    could admit it. It runs as the owner in this one named place, and is audited."""
    with owner_role(), transaction.atomic():
        firm = Firm.objects.create(name=name, slug=slug)
    with firm_scope(firm):
        audit_record(firm_id=firm.pk, event="firm.created", obj=firm, payload={"slug": slug})
    return firm


def member_create(*, firm: Firm, email: str, role: str, password: str | None = None, name: str = "") -> Membership:
    """A user of `firm` holding `role`. Call inside the firm's scope."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}; expected one of {', '.join(Role.values)}")
    first, _, last = name.partition(" ")
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            username=email.lower(), email=email.lower(), password=password, first_name=first, last_name=last
        )
        membership = Membership.objects.create(firm=firm, user=user, role=role)
        audit_record(firm_id=firm.pk, event="member.created", obj=membership, payload={"email": email, "role": role})
    return membership
