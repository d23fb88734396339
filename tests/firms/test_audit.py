"""The audit log: append-only in the database, hash-chained, verifiable."""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from firms.models import AuditEntry
from firms.services.audit import audit_record, audit_verify
from firms.services.db_security import owner_role
from firms.services.tenancy import firm_scope

pytestmark = pytest.mark.django_db


def test_entries_chain_each_to_the_previous_one(scoped):
    first = audit_record(firm_id=scoped.pk, event="test.one")
    second = audit_record(firm_id=scoped.pk, event="test.two", payload={"amount": "12.50"})
    assert second.seq == first.seq + 1 and second.prev_hash == first.hash
    assert audit_verify(firm_id=scoped.pk).ok


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE firms_auditentry SET event = 'forged'",
        "DELETE FROM firms_auditentry",
        "TRUNCATE firms_auditentry",
    ],
)
def test_the_app_role_cannot_update_delete_or_truncate(scoped, sql):
    audit_record(firm_id=scoped.pk, event="test.keep")
    with pytest.raises(DatabaseError, match="permission denied"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuditEntry.objects.filter(event="test.keep").exists()


# The owner works on its own connection (owner_role): these tests commit what it must see.
@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
@pytest.mark.parametrize(
    "sql", ["UPDATE firms_auditentry SET event = 'forged'", "DELETE FROM firms_auditentry"]
)
def test_even_the_owner_is_refused_by_the_trigger(scoped, sql):
    audit_record(firm_id=scoped.pk, event="test.keep")
    with owner_role(), pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_verify_detects_an_entry_edited_behind_the_triggers(scoped, capsys):
    for i in range(3):
        audit_record(firm_id=scoped.pk, event=f"test.{i}")
    target = AuditEntry.objects.get(event="test.1")
    with owner_role(), transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "SET CONSTRAINTS ALL IMMEDIATE"
        )  # flush the test transaction's deferred FK checks
        cur.execute("ALTER TABLE firms_auditentry DISABLE TRIGGER audit_no_update_delete")
        cur.execute(
            "UPDATE firms_auditentry SET payload = '{\"forged\": true}' WHERE id = %s", [target.pk]
        )
        cur.execute("ALTER TABLE firms_auditentry ENABLE TRIGGER audit_no_update_delete")
    report = audit_verify(firm_id=scoped.pk)
    assert (report.ok, report.broken_at) == (False, target.seq)
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit", "--firm", scoped.slug)
    assert "BROKEN at entry" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_an_unbroken_chain(firm_a):
    errors = []

    def write(n):
        try:
            with firm_scope(firm_a):
                for i in range(10):
                    audit_record(firm_id=firm_a.pk, event=f"test.thread{n}.{i}")
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with firm_scope(firm_a):
        report = audit_verify(firm_id=firm_a.pk)
        assert (
            report.ok and AuditEntry.objects.filter(event__startswith="test.thread").count() == 50
        )


def test_chains_are_per_firm(firm_a, firm_b):
    with firm_scope(firm_b):
        audit_record(firm_id=firm_b.pk, event="test.b")
    with firm_scope(firm_a):
        assert not AuditEntry.objects.filter(event="test.b").exists()
        assert audit_verify(firm_id=firm_a.pk).ok
