"""Tenant isolation, the second lock: PostgreSQL row-level security as the app role."""

import pytest
from django.db import connection

from firms.models import Firm
from firms.services.db_security import firm_owned_tables
from firms.services.tenancy import firm_scope
from portfolios.models import Account

pytestmark = pytest.mark.django_db


def _count(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute(f'SELECT count(*) FROM "{table}"')
        return cur.fetchone()[0]


def test_the_app_role_is_neither_superuser_nor_bypassrls_nor_owner(db):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        user, is_super, bypass = cur.fetchone()
        cur.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = "
            "current_user"
        )
        owned = cur.fetchone()[0]
    assert user == "rebalance_app"
    assert (is_super, bypass, owned) == (False, False, 0)


def test_every_firm_owned_table_forces_row_level_security(db):
    tables = firm_owned_tables()
    assert "portfolios_account" in tables and "firms_auditentry" in tables
    with connection.cursor() as cur:
        cur.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relrowsecurity AND "
            "relforcerowsecurity",
            [tables],
        )
        forced = {r[0] for r in cur.fetchall()}
    assert forced == set(tables)


def test_raw_sql_sees_only_the_scoped_firms_rows_on_every_table(two_books, firm_a, firm_b):
    with firm_scope(firm_a):
        a_counts = {t: _count(t) for t in firm_owned_tables()}
        with connection.cursor() as cur:
            cur.execute("SELECT DISTINCT firm_id FROM portfolios_account")
            assert [r[0] for r in cur.fetchall()] == [firm_a.pk]
    with firm_scope(firm_b):
        b_counts = {t: _count(t) for t in firm_owned_tables()}
    assert a_counts["portfolios_account"] == 2 and b_counts["portfolios_account"] == 3


def test_raw_sql_with_no_firm_set_returns_nothing_on_every_table(two_books):
    assert {t: _count(t) for t in firm_owned_tables()} == {t: 0 for t in firm_owned_tables()}
    assert _count("firms_firm") == 0


def test_the_orm_inside_firm_a_never_yields_firm_b_rows(two_books, firm_a, firm_b):
    with firm_scope(firm_a):
        assert {a.firm_id for a in Account.objects.all()} == {firm_a.pk}
        assert not Account.objects.filter(firm=firm_b).exists()
        assert list(Firm.objects.values_list("slug", flat=True)) == ["alpha"]


def test_a_write_into_another_firm_is_refused_by_the_database(two_books, firm_a, firm_b):
    from django.db import DatabaseError, transaction

    _, b = two_books
    with firm_scope(firm_a), pytest.raises(DatabaseError, match="row-level security"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "UPDATE portfolios_account SET firm_id = %s WHERE firm_id = %s",
                [firm_b.pk, firm_a.pk],
            )


def test_a_query_with_no_active_scope_raises():
    from django_scopes.exceptions import ScopeError

    with pytest.raises(ScopeError):
        list(Account.objects.all())


def test_a_reused_connection_after_firm_a_sees_nothing_under_firm_b(two_books, firm_a, firm_b):
    with firm_scope(firm_a):
        backend_pid = connection.connection.info.backend_pid
        assert _count("portfolios_account") == 2
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('app.firm_id', true)")
        assert cur.fetchone()[0] == ""
    with firm_scope(firm_b):
        assert connection.connection.info.backend_pid == backend_pid  # same connection reused
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM portfolios_account WHERE firm_id = %s", [firm_a.pk])
            assert cur.fetchone()[0] == 0


def test_a_user_scope_sees_the_firm_of_its_own_membership_only_and_writes_none(
    firm_a, firm_b, members_a, members_b
):
    from django.db import ProgrammingError, transaction

    from firms.services.db_security import db_user

    with db_user(members_a["advisor"].user.pk):
        # Readable with the membership (the request reads both in one statement): only firm A.
        assert list(Firm.objects.values_list("slug", flat=True)) == ["alpha"]
        # Not writable: WITH CHECK keeps writes to the firm's own scope.
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("UPDATE firms_firm SET name = 'Renamed' WHERE slug = 'alpha'")
    with db_user(members_b["advisor"].user.pk):
        assert list(Firm.objects.values_list("slug", flat=True)) == ["bravo"]
    assert _count("firms_firm") == 0
