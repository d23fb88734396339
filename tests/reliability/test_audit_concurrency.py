"""1,000 concurrent audit inserts leave one unbroken chain per firm.
Real threads, each with its own PostgreSQL connection, on a transactional test database."""

import threading

import pytest
from django.db import connection

from firms.models import AuditEntry
from firms.services.audit import audit_record, audit_verify
from firms.services.tenancy import firm_scope

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]
THREADS, PER_THREAD = 20, 50  # 1,000 inserts


def test_a_thousand_concurrent_inserts_leave_an_unbroken_chain(firm_a):
    errors, start = [], threading.Barrier(THREADS)

    def write(n):
        try:
            with firm_scope(firm_a):
                start.wait(timeout=60)
                for i in range(PER_THREAD):
                    audit_record(firm_id=firm_a.pk, event=f"load.{n}.{i}")
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    with firm_scope(firm_a):
        report = audit_verify(firm_id=firm_a.pk)
        seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert report.ok and AuditEntry.objects is not None
    assert len([s for s in seqs]) >= THREADS * PER_THREAD and seqs == list(range(1, len(seqs) + 1))
