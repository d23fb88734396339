"""The snapshot table's keys (drift migration 0007): a snapshot's account must be its own firm's
(a composite foreign key); a deleted rule is cleared from the snapshots by the database, in
raw SQL too (a trigger); deletes through the ORM still cascade / set null."""

import threading
from datetime import date

import pytest
from django.db import IntegrityError, OperationalError, connection, connections, transaction

from drift.models import DriftRule, DriftSnapshot
from drift.services.proposals import lock_firm_proposals
from drift.services.scan import drift_scan_run
from firms.services.db_security import owner_role
from firms.services.tenancy import firm_scope
from tests.factories import make_book

DAY = date(2026, 11, 24)
# The raw inserts and deletes run as the owner, on its own connection (owner_role): each test
# commits what the owner must see, and the database is flushed after it.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "owner"])


def _insert_snapshot(firm_id: int, account_id: int, rule_id: int | None) -> None:
    """A raw insert as the schema owner (no RLS), with the deferred keys checked at once."""
    with owner_role(), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "INSERT INTO drift_driftsnapshot (firm_id, account_id, as_of, total_value,"
            " portfolio_drift, max_drift, max_drift_class, breached, status, status_reason,"
            " rule_id, detail, created_at)"
            " VALUES (%s, %s, %s, 1, 0, 0, '', false, 'ok', '', %s, '{}', now())",
            [firm_id, account_id, DAY, rule_id],
        )
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture
def books(firm_a, firm_b):
    with firm_scope(firm_b):
        book_b = make_book(firm_b, accounts=1)
        drift_scan_run(firm_id=firm_b.pk, as_of=DAY)
        rule_b = DriftRule.objects.get(segment__isnull=True)
    with firm_scope(firm_a):
        book_a = make_book(firm_a, accounts=1)
        drift_scan_run(firm_id=firm_a.pk, as_of=DAY)
        rule_a = DriftRule.objects.get(segment__isnull=True)
    return {
        "a": book_a["accounts"][0],
        "b": book_b["accounts"][0],
        "rule_a": rule_a,
        "rule_b": rule_b,
    }


def test_a_snapshot_cannot_point_at_another_firms_account(firm_a, books):
    with pytest.raises(IntegrityError, match="snapshot_account_of_firm"):
        _insert_snapshot(firm_a.pk, books["b"].pk, None)


def test_a_rule_deleted_in_raw_sql_is_cleared_from_its_snapshots(firm_a, books):
    with firm_scope(books["b"].firm_id):
        rule_of_b = DriftSnapshot.objects.get(account=books["b"]).rule_id
    with firm_scope(firm_a):
        rule = DriftRule.objects.create(firm=firm_a, name="Temporary", segment="institutional")
        DriftSnapshot.objects.filter(account=books["a"]).update(rule=rule)
    with owner_role(), connection.cursor() as cur:
        cur.execute("DELETE FROM drift_driftrule WHERE id = %s", [rule.pk])
    with firm_scope(firm_a):
        assert DriftSnapshot.objects.get(account=books["a"]).rule_id is None
    with firm_scope(books["b"].firm_id):  # the other firm's snapshots keep their rule
        assert (
            rule_of_b is not None
            and DriftSnapshot.objects.get(account=books["b"]).rule_id == rule_of_b
        )


def test_a_snapshot_cannot_point_at_an_account_that_does_not_exist(firm_a, books):
    with pytest.raises(IntegrityError, match="snapshot_account_of_firm"):
        _insert_snapshot(firm_a.pk, books["a"].pk + 10_000, None)


def test_its_own_firms_account_and_rule_are_accepted(firm_a, books):
    with owner_role(), connection.cursor() as cur:
        cur.execute("DELETE FROM drift_driftsnapshot WHERE account_id = %s", [books["a"].pk])
    _insert_snapshot(firm_a.pk, books["a"].pk, books["rule_a"].pk)
    with firm_scope(firm_a):
        assert DriftSnapshot.objects.get(account=books["a"]).rule_id == books["rule_a"].pk


def test_deleting_a_rule_leaves_its_snapshots_without_a_rule(firm_a, books):
    with firm_scope(firm_a):
        rule = DriftRule.objects.create(firm=firm_a, name="Temporary", segment="institutional")
        DriftSnapshot.objects.filter(account=books["a"]).update(rule=rule)
        rule.delete()
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        assert DriftSnapshot.objects.get(account=books["a"]).rule_id is None


def test_the_database_refuses_to_delete_an_account_that_still_has_snapshots(firm_a, books):
    with pytest.raises(IntegrityError, match="snapshot_account_of_firm"):
        with owner_role(), transaction.atomic(), connection.cursor() as cur:
            for table in (
                "portfolios_position",
                "portfolios_taxlot",
                "drift_proposaltrade",
                "drift_proposal",
            ):
                column = (
                    "proposal_id IN (SELECT id FROM drift_proposal WHERE account_id = %s)"
                    if table == "drift_proposaltrade"
                    else "account_id = %s"
                )
                cur.execute(f"DELETE FROM {table} WHERE {column}", [books["a"].pk])
            cur.execute("DELETE FROM portfolios_account WHERE id = %s", [books["a"].pk])
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_deleting_a_rule_waits_while_a_scan_of_its_firm_holds_the_lock(firm_a):
    """A scan writes rule ids it read under the firm's lock: the delete must not slip in between."""
    with firm_scope(firm_a):
        rule = DriftRule.objects.create(firm=firm_a, name="Temporary", segment="institutional")
    held, release = threading.Event(), threading.Event()

    def scan_holding_the_lock():
        try:
            with transaction.atomic():
                lock_firm_proposals(firm_a.pk)
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=scan_holding_the_lock)
    holder.start()
    assert held.wait(10)
    try:
        with pytest.raises(OperationalError, match="lock timeout"):
            with owner_role(), transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '300ms'")
                cur.execute("DELETE FROM drift_driftrule WHERE id = %s", [rule.pk])
    finally:
        release.set()
        holder.join()
    with owner_role(), connection.cursor() as cur:  # the lock released, the delete goes through
        cur.execute("DELETE FROM drift_driftrule WHERE id = %s", [rule.pk])
        assert cur.rowcount == 1
