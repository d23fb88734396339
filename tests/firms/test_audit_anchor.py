"""The audit chain is anchored outside the rows the owner can rewrite.

The owner's attacks (as the owner login, triggers switched off): recompute every hash after an
edit, downgrade keyed entries to plain SHA-256, drop the tail, truncate, forge a head. Each
verified "intact" before; each is a break now (keyed hash + signed published heads)."""

import hashlib
import hmac
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from firms.models import AuditEntry, AuditHead
from firms.services.audit import (
    _canonical,
    audit_head_publish,
    audit_record,
    audit_verify,
    entry_hash,
    head_file,
    heads_published,
)
from firms.services.db_security import owner_role
from firms.services.tenancy import firm_scope
from firms.tasks import audit_heads_publish_all

# The owner works on its own connection: these tests commit what it must see.
OWNER_DB = pytest.mark.django_db(transaction=True, databases=["default", "owner"])


def _chain(firm, n=4):
    with firm_scope(firm):
        for i in range(n):
            audit_record(firm_id=firm.pk, event=f"test.{i}", payload={"i": i})


def _verify(firm):
    with firm_scope(firm):
        return audit_verify(firm_id=firm.pk)


def _as_owner(firm, *statements, rehash=None):
    """Run SQL as the owner with the audit triggers off; `rehash(entry)` then recomputes every
    entry's hash and link in order, as an attacker without the key would."""
    with owner_role(), transaction.atomic(), connection.cursor() as cur:
        cur.execute("ALTER TABLE firms_auditentry DISABLE TRIGGER audit_no_update_delete")
        for sql, params in statements:
            cur.execute(sql, params)
        if rehash is not None:
            with firm_scope(firm):
                prev = "0" * 64
                for entry in AuditEntry.objects.filter(firm_id=firm.pk).order_by("seq"):
                    entry.prev_hash = prev
                    version, entry.hash = rehash(entry)
                    cur.execute(
                        "UPDATE firms_auditentry SET prev_hash = %s, hash = %s, version = %s WHERE "
                        "id = %s",
                        [entry.prev_hash, entry.hash, version, entry.pk],
                    )
                    prev = entry.hash
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending key checks before the ALTER
        cur.execute("ALTER TABLE firms_auditentry ENABLE TRIGGER audit_no_update_delete")


def _plain_sha(entry):
    return 1, hashlib.sha256((entry.prev_hash + _canonical(entry)).encode()).hexdigest()


def _guessed_key(entry):
    return 2, hmac.new(
        b"not-the-key", (entry.prev_hash + _canonical(entry)).encode(), hashlib.sha256
    ).hexdigest()


@pytest.mark.django_db
def test_new_entries_are_keyed_hmacs_not_plain_sha256(firm_a):
    with firm_scope(firm_a):
        entry = audit_record(firm_id=firm_a.pk, event="test.one")
    assert entry.version == 2 and entry.hash == entry_hash(entry)
    assert entry.hash != hashlib.sha256((entry.prev_hash + _canonical(entry)).encode()).hexdigest()


@OWNER_DB
@pytest.mark.parametrize(
    "rehash", [_plain_sha, _guessed_key], ids=["downgraded-to-sha256", "rehashed-without-key"]
)
def test_an_edit_with_every_hash_recomputed_is_detected(firm_a, rehash):
    _chain(firm_a)
    _as_owner(
        firm_a,
        (
            "UPDATE firms_auditentry SET payload = '{\"forged\": true}' WHERE firm_id = %s AND seq "
            "= 2",
            [firm_a.pk],
        ),
        rehash=rehash,
    )
    report = _verify(firm_a)
    assert (
        not report.ok and report.broken_at == 1
    )  # the very first entry's hash is wrong without the key
    with pytest.raises(CommandError, match="broken"):
        call_command("verify_audit", "--firm", firm_a.slug)


@OWNER_DB
def test_dropping_the_tail_after_a_published_head_is_detected(firm_a):
    _chain(firm_a)
    with firm_scope(firm_a):
        head = audit_head_publish(firm_id=firm_a.pk)
    assert (head["seq"], head["count"]) == (5, 5)  # firm.created + 4
    _as_owner(firm_a, ("DELETE FROM firms_auditentry WHERE firm_id = %s AND seq >= 4", [firm_a.pk]))
    report = _verify(firm_a)
    assert (report.ok, report.broken_at) == (False, 5) and "fewer than the 5" in report.reason


@OWNER_DB
def test_truncating_entries_and_heads_is_detected_from_the_published_file(firm_a):
    _chain(firm_a)
    with firm_scope(firm_a):
        audit_head_publish(firm_id=firm_a.pk)
    with owner_role(), connection.cursor() as cur:  # the owner's switch meant for the test reset
        cur.execute("SELECT set_config('rebalance.audit_truncate', 'allow', false)")
        cur.execute("TRUNCATE firms_auditentry, firms_audithead")
        cur.execute("SELECT set_config('rebalance.audit_truncate', '', false)")
    report = _verify(firm_a)
    assert report.entries == 0 and not report.ok and "entries dropped" in report.reason


@OWNER_DB
def test_a_head_deleted_from_the_table_but_kept_in_the_file_is_detected(firm_a):
    _chain(firm_a)
    with firm_scope(firm_a):
        audit_head_publish(firm_id=firm_a.pk)
    with owner_role(), transaction.atomic(), connection.cursor() as cur:
        cur.execute("ALTER TABLE firms_audithead DISABLE TRIGGER audit_head_no_update_delete")
        cur.execute("DELETE FROM firms_audithead")
        cur.execute("ALTER TABLE firms_audithead ENABLE TRIGGER audit_head_no_update_delete")
    report = _verify(firm_a)
    assert not report.ok and "missing from the database's head table" in report.reason


@pytest.mark.django_db
def test_a_forged_head_is_refused(firm_a):
    _chain(firm_a, 2)
    with firm_scope(firm_a):
        last = AuditEntry.objects.order_by("-seq").first()
        AuditHead.objects.create(
            firm=firm_a,
            seq=last.seq,
            hash=last.hash,
            count=last.seq,
            published_at="2026-12-01T00:00:00+00:00",
            signature="0" * 64,
        )
        report = audit_verify(firm_id=firm_a.pk)
    assert not report.ok and "bad signature" in report.reason


@pytest.mark.django_db
def test_heads_only_grow_and_are_append_only(firm_a):
    _chain(firm_a, 2)
    with firm_scope(firm_a):
        head = audit_head_publish(firm_id=firm_a.pk)
        with pytest.raises(DatabaseError, match="audit heads only grow"), transaction.atomic():
            AuditHead.objects.create(
                firm=firm_a,
                seq=head["seq"] - 1,
                hash="x",
                count=1,
                published_at=head["published_at"],
                signature="x",
            )
        for sql in ("UPDATE firms_audithead SET count = 1", "DELETE FROM firms_audithead"):
            with (
                pytest.raises(DatabaseError, match="permission denied"),
                transaction.atomic(),
                connection.cursor() as cur,
            ):
                cur.execute(sql)
        assert audit_head_publish(firm_id=firm_a.pk) == head  # nothing new: the same head
        assert AuditHead.objects.count() == 1


@pytest.mark.django_db
def test_the_daily_task_publishes_a_signed_head_per_firm_to_the_table_and_file(firm_a, firm_b):
    _chain(firm_a, 3)
    assert audit_heads_publish_all() == 2
    for firm, seq in ((firm_a, 4), (firm_b, 1)):
        with firm_scope(firm):
            lines = [json.loads(line) for line in head_file(firm.pk).read_text().splitlines()]
            assert [h["seq"] for h in lines] == [seq]
            assert [h["seq"] for h in heads_published(firm_id=firm.pk)] == [seq]
            assert audit_verify(firm_id=firm.pk).heads == 1
    _chain(firm_a, 1)
    audit_heads_publish_all()
    with firm_scope(firm_a):
        assert [h["seq"] for h in heads_published(firm_id=firm_a.pk)] == [4, 5]
    with firm_scope(firm_b):
        assert AuditHead.objects.count() == 1  # an unchanged chain gets no new head


@OWNER_DB
def test_a_legacy_sha256_chain_verifies_up_to_its_sealed_head_and_no_further(firm_a):
    _chain(firm_a, 2)
    _as_owner(firm_a, rehash=_plain_sha)  # the rows as written before the keyed hash (version 1)
    assert not _verify(firm_a).ok  # unsealed: a plain chain proves nothing
    from importlib import import_module

    with owner_role():  # what migration 0005 does for every firm with version-1 entries
        import_module("firms.migrations.0005_seal_legacy_audit_chains").seal(
            None, type("E", (), {"connection": connection})
        )
    _chain(firm_a, 2)
    report = _verify(firm_a)
    assert report.ok and report.entries == 5
    with firm_scope(firm_a):
        assert list(AuditEntry.objects.order_by("seq").values_list("version", flat=True)) == [
            1,
            1,
            1,
            2,
            2,
        ]
    # Downgrading the keyed entries past the seal to plain SHA-256 is a break.
    _as_owner(firm_a, rehash=_plain_sha)
    report = _verify(firm_a)
    assert (report.ok, report.broken_at) == (False, 4) and "cut-over" in report.reason
