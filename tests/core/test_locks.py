"""Advisory locks: every key named once in core.locks, no accidental collision, and the trade
batch and proposal building no longer wait on each other."""

import re
import threading
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

from core import locks
from drift.services.proposals import lock_firm_proposals
from trading.services.batch import firm_batch_lock

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "core",
    "approvals",
    "compliance",
    "drift",
    "firms",
    "notifications",
    "portal",
    "portfolios",
    "reporting",
    "trading",
    "rebalance_site",
    "bench",
    "loadtest",
    "scripts",
]


def test_every_lock_key_is_distinct():
    assert len(set(locks.KEYS.values())) == len(locks.KEYS) >= 7
    assert locks.TRADE_BATCH != locks.PROPOSAL_BUILD


def test_no_advisory_lock_is_taken_outside_the_locks_module_with_a_literal_key():
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if path == ROOT / "core" / "locks.py":
                continue
            text = path.read_text()
            if (
                "migrations" in path.parts
            ):  # SQL in a migration names the key by number: it must be ours
                for key in re.findall(r"pg_advisory\w*\((\d+)", text):
                    assert int(key) in locks.KEYS.values(), f"{path}: unknown advisory key {key}"
            elif "pg_advisory" in text or re.search(r"_LOCK\w* = \d", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def _hold_in_thread(take, held: threading.Event, release: threading.Event):
    def run():
        try:
            take(held, release)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(10)
    return thread


def _batch_lock_holder(firm_id):
    def hold(held, release):
        with firm_batch_lock(firm_id):
            held.set()
            release.wait(10)

    return hold


@pytest.mark.django_db(transaction=True)
def test_a_running_batch_does_not_stall_proposal_building(firm_a):
    held, release = threading.Event(), threading.Event()

    thread = _hold_in_thread(_batch_lock_holder(firm_a.pk), held, release)
    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '300ms'")
            lock_firm_proposals(firm_a.pk)  # raised "lock timeout" when both used one key
    finally:
        release.set()
        thread.join()


@pytest.mark.django_db(transaction=True)
def test_a_proposal_build_does_not_make_run_now_answer_another_run_is_in_progress(firm_a):
    held, release = threading.Event(), threading.Event()

    def build(held, release):
        with transaction.atomic():
            lock_firm_proposals(firm_a.pk)
            held.set()
            release.wait(10)

    thread = _hold_in_thread(build, held, release)
    try:
        with firm_batch_lock(firm_a.pk):  # raised BatchBusy when both used one key
            pass
    finally:
        release.set()
        thread.join()


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_one_firms_batch_still_exclude_each_other(firm_a, firm_b):
    from trading.services.batch import BatchBusy

    held, release = threading.Event(), threading.Event()

    thread = _hold_in_thread(_batch_lock_holder(firm_a.pk), held, release)
    try:
        with pytest.raises(BatchBusy, match="(?i)another run"):
            with firm_batch_lock(firm_a.pk):
                pass
        with firm_batch_lock(firm_b.pk):  # another firm's batch is not in the way
            pass
    finally:
        release.set()
        thread.join()
