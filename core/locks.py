"""Every PostgreSQL advisory lock of the project, by name, in one place.

A lock is the pair (key, firm id): the key names *what* is serialised, the firm keeps firms
apart. Two code paths conflict only when they pass the same key, so each key below says
which paths it is meant to serialise; anything not listed there must not wait on it
(tests/firms/test_locks.py asserts the keys are distinct). Use the helpers, never a literal.
"""

from contextlib import contextmanager

from django.db import connection

# The firm's audit chain: every audit_record (any app) appends under it, so concurrent
# writers cannot fork the chain. Intended conflict: all audit writers of one firm.
AUDIT_CHAIN = 7_100_001
# A book import (portfolios.importer.write): one import of a firm's files at a time; a
# reconciliation (reconciliation.services) compares, or adjusts, the book under it too.
# Intended conflict: two imports, reconciliations or accepted breaks of the same firm.
BOOK_IMPORT = 7_100_002
# Writing a monthly compliance report's next version (reporting.services.monthly).
# Intended conflict: two generations of the same firm's report.
MONTHLY_REPORT = 7_100_009
# Building a firm's proposals (drift scan, harvest, cash raise, compliance's substitute
# rebuild) and deleting a drift rule (the trigger of drift migration 0007 takes this key by
# its number, 7300001). Intended conflict: every writer of a firm's snapshots/proposals.
PROPOSAL_BUILD = 7_300_001
# Routing a firm's checked proposals to approvals (approvals.services.start).
# Intended conflict: two routing runs of the same firm (no approval started twice).
APPROVAL_ROUTING = 7_400_001
# A run of the firm's trade batch (a session lock held for the whole run: trading.services.batch).
# Intended conflict: two runs of the same firm's batch ("another run is in progress").
# It must not be PROPOSAL_BUILD: a running batch would stall proposal building.
TRADE_BATCH = 7_500_001
# The kill switch: a pause being written takes it exclusively, claiming a block to send takes
# it shared (trading.services.sending). Intended conflict: a pause and a block claim of the
# same firm, so a block is claimed either before the pause commits (it goes out) or after
# (the claim sees the pause); block claims do not wait on each other.
EXECUTION_PAUSE = 7_500_002

KEYS = {
    name: value for name, value in globals().items() if name.isupper() and isinstance(value, int)
}


def xact_lock(key: int, firm_id: int) -> None:
    """Wait for the lock; held until the current transaction ends."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [key, firm_id])


def xact_lock_shared(key: int, firm_id: int) -> None:
    """Wait for the lock in shared mode (conflicts only with the exclusive holder)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [key, firm_id])


@contextmanager
def session_lock(key: int, firm_id: int, busy: Exception):
    """Take the lock without waiting (raises `busy` if another session holds it) for the
    block's span; it outlives transactions, and a killed worker's closed connection releases it."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [key, firm_id])
        if not cur.fetchone()[0]:
            raise busy
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s, %s)", [key, firm_id])
