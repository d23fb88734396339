"""Roles change only through firms.services.members.membership_role_change — a firm
administrator, never their own role, never above their own, never client ↔ staff — audited,
refusals too; ops get no role editing in the admin; removing a member likewise."""

import pytest
from django.urls import reverse

from firms.choices import Role
from firms.models import AuditEntry, Membership
from firms.services.audit import audit_verify
from firms.services.members import (
    RoleChangeRefused,
    member_create,
    membership_remove,
    membership_role_change,
)
from firms.services.tenancy import firm_scope
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_client(firm_a):
    with firm_scope(firm_a):
        return member_create(
            firm=firm_a,
            email="client@alpha.test",
            role=Role.CLIENT,
            password=PASSWORD,
            name="Cli Ent",
        )


def _role(firm, membership) -> str:
    with firm_scope(firm):
        return Membership.objects.get(pk=membership.pk).role


def _events(firm, *events) -> list[AuditEntry]:
    with firm_scope(firm):
        return list(AuditEntry.objects.filter(event__in=events).order_by("seq"))


def _change_url(membership):
    return reverse("admin:firms_membership_change", args=[membership.pk])


def test_ops_cannot_make_themselves_firm_admin_in_the_admin(login, firm_a, members_a):
    ops = members_a["ops"]
    client = login(ops)
    assert client.get(_change_url(ops)).status_code == 200  # seen, read-only
    response = client.post(_change_url(ops), {"role": Role.FIRM_ADMIN})
    assert response.status_code == 403
    assert _role(firm_a, ops) == Role.OPS


def test_ops_cannot_turn_a_client_into_a_compliance_officer_nor_remove_anyone(
    login, firm_a, members_a, a_client
):
    client = login(members_a["ops"])
    assert client.post(_change_url(a_client), {"role": Role.COMPLIANCE_OFFICER}).status_code == 403
    assert _role(firm_a, a_client) == Role.CLIENT
    delete = reverse("admin:firms_membership_delete", args=[members_a["advisor"].pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert _role(firm_a, members_a["advisor"]) == Role.ADVISOR


def test_a_firm_admin_changes_a_role_in_the_admin_and_it_is_audited(login, firm_a, members_a):
    advisor = members_a["advisor"]
    response = login(members_a["firm_admin"]).post(
        _change_url(advisor), {"role": Role.SENIOR_ADVISOR}
    )
    assert response.status_code == 302
    assert _role(firm_a, advisor) == Role.SENIOR_ADVISOR
    [entry] = _events(firm_a, "member.role_changed")
    assert entry.actor_id == members_a["firm_admin"].user_id and entry.object_id == str(advisor.pk)
    assert entry.payload == {
        "email": advisor.user.email,
        "from": Role.ADVISOR,
        "to": Role.SENIOR_ADVISOR,
    }
    with firm_scope(firm_a):
        assert audit_verify(firm_id=firm_a.pk).ok


def test_a_firm_admin_cannot_edit_their_own_role(login, firm_a, members_a):
    admin = members_a["firm_admin"]
    assert login(admin).post(_change_url(admin), {"role": Role.OPS}).status_code == 403
    assert _role(firm_a, admin) == Role.FIRM_ADMIN


def test_a_client_never_becomes_staff_and_the_refusal_is_shown_and_audited(
    login, firm_a, members_a, a_client
):
    response = login(members_a["firm_admin"]).post(
        _change_url(a_client), {"role": Role.COMPLIANCE_OFFICER}
    )
    assert response.status_code == 200 and "never becomes a staff role" in response.content.decode()
    assert _role(firm_a, a_client) == Role.CLIENT
    [entry] = _events(firm_a, "member.role_change_refused")
    assert (
        entry.payload["to"] == Role.COMPLIANCE_OFFICER
        and "never becomes" in entry.payload["refused"]
    )


@pytest.mark.parametrize(
    "actor_role", [r for r in Role.values if r not in (Role.FIRM_ADMIN, Role.CLIENT)]
)
def test_nobody_but_a_firm_admin_grants_any_role(firm_a, members_a, actor_role):
    target = members_a["advisor"] if actor_role != Role.ADVISOR else members_a["committee_member"]
    with firm_scope(firm_a):
        for role in (Role.FIRM_ADMIN, Role.SENIOR_ADVISOR, Role.ADVISOR):
            with pytest.raises(RoleChangeRefused, match="Only a firm administrator"):
                membership_role_change(actor=members_a[actor_role], membership=target, role=role)
        assert Membership.objects.get(pk=target.pk).role == target.role
        assert AuditEntry.objects.filter(event="member.role_change_refused").count() == 3


def test_a_role_is_never_granted_above_the_granters_own(firm_a, members_a):
    """Firm administrator is the top role today; the rule holds should a lesser editor appear."""
    from firms.services import members as services

    with firm_scope(firm_a):
        ops = members_a["ops"]
        original = services.ROLE_EDITORS
        services.ROLE_EDITORS = frozenset({Role.OPS})
        try:
            with pytest.raises(RoleChangeRefused, match="above your own"):
                membership_role_change(
                    actor=ops, membership=members_a["advisor"], role=Role.FIRM_ADMIN
                )
            with pytest.raises(RoleChangeRefused, match="ranked above you"):
                membership_role_change(actor=ops, membership=members_a["firm_admin"], role=Role.OPS)
        finally:
            services.ROLE_EDITORS = original


def test_removing_a_member_is_for_a_firm_admin_audited_and_never_oneself(login, firm_a, members_a):
    admin, advisor = members_a["firm_admin"], members_a["advisor"]
    client = login(admin)
    assert (
        client.post(
            reverse("admin:firms_membership_delete", args=[admin.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("admin:firms_membership_delete", args=[advisor.pk]), {"post": "yes"}
        ).status_code
        == 302
    )
    with firm_scope(firm_a):
        assert not Membership.objects.filter(pk=advisor.pk).exists()
        with pytest.raises(RoleChangeRefused):
            membership_remove(actor=members_a["ops"], membership=members_a["compliance_officer"])
    [entry] = _events(firm_a, "member.removed")
    assert entry.payload == {"email": advisor.user.email, "role": Role.ADVISOR}
    assert _events(firm_a, "member.remove_refused")
