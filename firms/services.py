"""Creating firms and their members."""
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from .audit import audit_record
from .models import Firm, Membership
from .roles import Role
from .tenancy import firm_scope


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
