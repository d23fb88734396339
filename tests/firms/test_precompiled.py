"""firms.precompiled: a queryset shape compiled once answers as the queryset itself would, for
whichever firm's scope it runs in, and never across firms."""

import pytest
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext
from django_scopes import ScopeError, scopes_disabled

from firms.precompiled import Precompiled, PreparedStatements
from firms.tenancy import firm_scope
from portfolios.models import Account, Position, Price

pytestmark = pytest.mark.django_db


def _accounts_of(account_id):
    return Account.objects.select_related("client", "model").filter(pk=account_id)


def _fields(account):
    return (
        account.pk,
        account.number,
        account.firm_id,
        account.client.name,
        account.model.name,
        account.model_id,
    )


def test_same_instances_as_the_queryset_with_related_objects_loaded(firm_a, two_books):
    lookup = Precompiled(_accounts_of, 1)
    with firm_scope(firm_a):
        for account in two_books[0]["accounts"]:
            expected = _accounts_of(account.pk).get()
            found = lookup(account.pk)
            assert [_fields(a) for a in found] == [_fields(expected)]
            with CaptureQueriesContext(connection) as ctx:
                _fields(found[0])  # client and model came with it
            assert len(ctx.captured_queries) == 0


def test_each_call_runs_in_its_own_firms_scope_and_sees_no_other_firm(firm_a, firm_b, two_books):
    lookup = Precompiled(_accounts_of, 1)
    a_account, b_account = two_books[0]["accounts"][0], two_books[1]["accounts"][0]
    with firm_scope(firm_a):
        assert [x.pk for x in lookup(a_account.pk)] == [a_account.pk]
        assert lookup(b_account.pk) == []  # firm B's id in firm A's scope: nothing
    with firm_scope(firm_b):
        assert [x.pk for x in lookup(b_account.pk)] == [b_account.pk]
        assert lookup(a_account.pk) == []


def test_outside_a_firm_scope_it_is_the_ordinary_queryset(two_books):
    lookup = Precompiled(_accounts_of, 1)
    account = two_books[0]["accounts"][0]
    with pytest.raises(ScopeError):
        lookup(account.pk)
    with scopes_disabled():  # no firm filter in Python; RLS (no firm set) still shows nothing
        assert lookup(account.pk) == []


def test_annotations_deferred_fields_and_a_subquery_scoped_twice(firm_a, firm_b, two_books):
    def build(account_id):
        close = (
            Price.objects.filter(security=OuterRef("security"))
            .order_by("-date")
            .values("close")[:1]
        )
        return (
            Position.objects.filter(account_id=account_id)
            .annotate(close=Subquery(close))
            .only("quantity")
            .order_by("pk")
        )

    lookup = Precompiled(build, 1)
    for firm, book in ((firm_a, two_books[0]), (firm_b, two_books[1])):
        with firm_scope(firm):
            account = book["accounts"][0]
            assert [(p.pk, p.quantity, p.close) for p in lookup(account.pk)] == [
                (p.pk, p.quantity, p.close) for p in build(account.pk)
            ]


def test_a_shape_hiding_an_argument_is_refused_and_runs_as_the_queryset(firm_a, two_books, caplog):
    lookup = Precompiled(
        lambda account_id: Account.objects.filter(number=str(account_id)), 1
    )  # not a plain parameter
    account = two_books[0]["accounts"][0]
    with firm_scope(firm_a):
        assert lookup(account.pk) == []
        assert "not every value is a plain parameter" in caplog.text
        assert lookup(account.pk) == []  # refused once, then the ordinary queryset
        by_number = Precompiled(
            lambda account_id: Account.objects.filter(number=account.number, pk=account_id), 1
        )
        assert [a.pk for a in by_number(account.pk)] == [account.pk]


def test_values_list_tuples(firm_a, two_books):
    def build(account_id):
        return (
            Position.objects.filter(account_id=account_id)
            .order_by("security__symbol")
            .values_list("security__symbol", "quantity")
        )

    lookup = Precompiled(build, 1)
    with firm_scope(firm_a):
        account = two_books[0]["accounts"][0]
        assert lookup(account.pk) == list(build(account.pk)) == [("BND", 680), ("VTI", 660)]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_is_prepared_once_per_connection_and_executed(
    firm_a, firm_b, two_books
):
    lookup = Precompiled(_accounts_of, 1)
    a_account, b_account = two_books[0]["accounts"][0], two_books[1]["accounts"][0]
    for _ in range(3):
        with firm_scope(firm_a):
            assert [_fields(a) for a in lookup(a_account.pk)] == [
                _fields(_accounts_of(a_account.pk).get())
            ]
            assert lookup(b_account.pk) == []
        with firm_scope(firm_b):
            assert [a.pk for a in lookup(b_account.pk)] == [b_account.pk]
            assert lookup(a_account.pk) == []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE name = %s",
            [lookup._statement._parts[0][0]],
        )
        assert cur.fetchone()[0] == 1
    connection.close()  # a new connection prepares again
    with firm_scope(firm_a):
        assert [a.pk for a in lookup(a_account.pk)] == [a_account.pk]
    with connection.cursor() as cur:
        cur.execute("DEALLOCATE ALL")  # the session lost its prepared statements: sent again
    with firm_scope(firm_a):
        assert [a.pk for a in lookup(a_account.pk)] == [a_account.pk]


@pytest.mark.django_db(transaction=True)
def test_a_statement_postgresql_cannot_prepare_runs_as_plain_sql(db, caplog):
    from firms.precompiled import PreparedStatements

    untyped = PreparedStatements(
        "SELECT %s IS NULL"
    )  # no type for the parameter: PREPARE refuses it
    assert untyped.fetchall(connection, ["x"]) == [(False,)]
    assert "PREPARE refused" in caplog.text
    assert untyped.fetchall(connection, [None]) == [(True,)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("enabled", [True, False])
def test_prepared_statements_follow_the_setting(settings, enabled):
    """DATABASE_PREPARED_STATEMENTS=0 (behind pgbouncer in transaction mode) sends plain SQL."""
    settings.DATABASE_PREPARED_STATEMENTS = enabled
    statement = PreparedStatements("SELECT %s::int + 17")
    assert statement.fetchall(connection, [25]) == [(42,)] and statement.fetchall(
        connection, [1]
    ) == [(18,)]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%$1::int + 17%"],
        )
        assert cur.fetchone()[0] == (1 if enabled else 0)
