"""The RLS backstop: with the application's scoping switched off inside a
real request (raw SQL; ORM queries under scopes_disabled with no firm filter), PostgreSQL
still returns nothing of firm B, for every role of firm A. Plus catalogue checks."""

import pytest
from django.apps import apps
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django_scopes import scopes_disabled

from firms.choices import Role
from firms.models import FirmOwned
from firms.services.db_security import firm_owned_tables
from rebalance_site.middleware import FirmScopeMiddleware
from tests.firms.isolation_world import build_world

pytestmark = pytest.mark.django_db


def _firm_ids_per_table() -> dict[str, set[int]]:
    out = {}
    with connection.cursor() as cur:
        for table in firm_owned_tables():
            cur.execute(f'SELECT DISTINCT firm_id FROM "{table}"')
            out[table] = {r[0] for r in cur.fetchall()}
    return out


def _unscoped_orm_firm_ids() -> dict[str, set[int]]:
    """What a careless view sees: every firm-owned model, no scope, no filter."""
    with scopes_disabled():
        return {
            m._meta.label_lower: set(
                m._default_manager.values_list("firm_id", flat=True).distinct()
            )
            for m in apps.get_models()
            if issubclass(m, FirmOwned) and not m._meta.proxy
        }


def _in_request(user, view):
    request = RequestFactory().get("/")
    request.user, request.session, request.META["HTTP_AUTHORIZATION"] = user, {}, ""
    seen = {}

    def get_response(req):
        seen.update(view())
        return HttpResponse("ok")

    FirmScopeMiddleware(get_response)(request)
    return seen


@pytest.fixture
def world(firm_b, members_b):
    return build_world(firm_b, members_b)


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.CLIENT])
def test_raw_sql_inside_a_request_sees_only_the_members_firm(members_a, world, firm_a, role):
    seen = _in_request(members_a[role].user, _firm_ids_per_table)
    assert len(seen) == len(firm_owned_tables())
    foreign = {t: ids for t, ids in seen.items() if ids - {firm_a.pk}}
    assert foreign == {}
    assert world.firm_id not in set().union(*seen.values())


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.CLIENT])
def test_an_unscoped_unfiltered_orm_query_inside_a_request_sees_nothing_of_firm_b(
    members_a, world, firm_a, role
):
    seen = _in_request(members_a[role].user, _unscoped_orm_firm_ids)
    assert {label: ids for label, ids in seen.items() if world.firm_id in ids} == {}
    assert seen["portfolios.account"] == {firm_a.pk} or seen["portfolios.account"] == set()


def test_firm_bs_own_rows_exist_so_the_backstop_is_meaningful(members_b, world, firm_b):
    seen = _in_request(members_b["ops"].user, _firm_ids_per_table)
    populated = {t for t, ids in seen.items() if ids == {firm_b.pk}}
    assert {
        "portfolios_account",
        "drift_proposal",
        "approvals_approval",
        "trading_order",
        "firms_auditentry",
    } <= populated


def test_a_request_with_no_member_sees_no_firm_rows_at_all(world):
    from django.contrib.auth.models import AnonymousUser

    seen = _in_request(AnonymousUser(), _firm_ids_per_table)
    assert {t: ids for t, ids in seen.items() if ids} == {}


def test_the_connection_after_firm_as_request_sees_nothing_then_firm_b_sees_only_b(
    members_a, members_b, world, firm_a
):
    _in_request(members_a["ops"].user, _firm_ids_per_table)
    pid = connection.connection.info.backend_pid
    assert {
        t: ids for t, ids in _firm_ids_per_table().items() if ids
    } == {}  # between requests: nothing
    seen_b = _in_request(members_b["ops"].user, _firm_ids_per_table)
    assert connection.connection.info.backend_pid == pid
    assert firm_a.pk not in set().union(*seen_b.values())


# --- catalogue ---------------------------------------------------------------------------


def test_every_table_with_a_firm_column_is_firm_owned_and_forces_rls(db):
    """A model holding firm_id that does not inherit FirmOwned would have no policy: catch it."""
    with connection.cursor() as cur:
        cur.execute("""SELECT c.relname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                       JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attname = 'firm_id'
                         AND NOT a.attisdropped""")
        with_firm_column = {r[0] for r in cur.fetchall()}
        cur.execute(
            """SELECT relname FROM pg_class
               WHERE relname = ANY(%s) AND relrowsecurity AND relforcerowsecurity""",
            [sorted(with_firm_column)],
        )
        forced = {r[0] for r in cur.fetchall()}
        cur.execute(
            "SELECT tablename, qual, with_check FROM pg_policies "
            "WHERE schemaname = 'public' AND policyname = 'firm_isolation'"
        )
        policies = {t: (q, w) for t, q, w in cur.fetchall()}
    allowed_unforced = {
        "approvals_linkkey"
    }  # token → firm lookup before any scope (stores only hashes)
    assert with_firm_column - allowed_unforced <= set(firm_owned_tables())
    assert with_firm_column - forced - allowed_unforced == set()
    assert all(
        q and w and "app_current_firm()" in q
        for t, (q, w) in policies.items()
        if t in with_firm_column
    )


def test_the_app_role_inherits_no_privileged_role_and_owns_no_schema_object(db):
    with connection.cursor() as cur:
        cur.execute("""SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
                       WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                         AND (r.rolsuper OR r.rolbypassrls)""")
        privileged_parents = cur.fetchone()[0]
        cur.execute("""SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user""")
        owned = cur.fetchone()[0]
        cur.execute(
            "SELECT has_table_privilege("
            "current_user, 'firms_auditentry', 'UPDATE, DELETE, TRUNCATE')"
        )
        audit_writable = cur.fetchone()[0]
    assert (privileged_parents, owned, audit_writable) == (0, 0, False)
