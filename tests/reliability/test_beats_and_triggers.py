"""Two beats at once plus a manual trigger, on real concurrent connections, and a
beat down over 09:45 that comes back at 09:52 (the clock injected): one batch per firm and
date, each order sent to the custodian once."""

import threading
from collections import Counter
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from firms.services.tenancy import firm_scope
from tests.trading.helpers import approved_book, ny
from trading import tasks
from trading.adapters.simulated import SimulatedAdapter
from trading.models import Batch, BlockOrder, Order

FRIDAY = date(2026, 11, 27)
SENT: Counter = Counter()
LOCK = threading.Lock()


@pytest.fixture
def counting_adapter(monkeypatch, settings):
    settings.TRADING_SIMULATED = {"seed": 1, "reject_rate": 0.0, "partial_rate": 0.0}
    real = SimulatedAdapter.submit
    SENT.clear()

    def counted(self, tickets):
        acks = real(self, tickets)
        with LOCK:
            for ack in acks:
                if ack.accepted:
                    SENT[ack.client_order_id] += 1
        return acks

    monkeypatch.setattr(SimulatedAdapter, "submit", counted)
    monkeypatch.setattr(
        tasks.trade_batch_firm, "delay", lambda **kw: None
    )  # the beats run the task inline below


def _beat(now, errors):
    try:
        for firm_id in tasks.batches_enqueue_due(now=now):
            with firm_scope(firm_id):
                tasks.trade_batch_firm.run(firm_id=firm_id, trade_date=FRIDAY.isoformat())
    except Exception as exc:  # noqa: BLE001 — reported below
        errors.append(repr(exc))
    finally:
        connection.close()


BUSY: list = []


def _manual(slug, errors):
    from django.core.management import CommandError

    try:
        call_command("trade_batch", slug, "--date", FRIDAY.isoformat())
    except CommandError as exc:  # the batch lock is held by a beat: refused, which is right
        (BUSY if "in progress" in str(exc) else errors).append(str(exc))
    except Exception as exc:  # noqa: BLE001
        errors.append(repr(exc))
    finally:
        connection.close()


def _check_once(firm):
    """Orders per proposal once; every block order (what reaches the custodian) sent exactly
    once."""
    with firm_scope(firm):
        assert Batch.objects.filter(trade_date=FRIDAY).count() == 1
        ids = list(Order.objects.values_list("client_order_id", flat=True))
        blocks = list(BlockOrder.objects.values_list("client_order_id", flat=True))
    assert ids and len(ids) == len(set(ids))
    assert blocks and all(SENT[b] == 1 for b in blocks), {b: SENT[b] for b in blocks}
    return len(blocks)


@pytest.mark.django_db(transaction=True)
def test_two_beats_and_a_manual_trigger_at_once_make_one_batch_and_send_each_order_once(
    firm_a, firm_b, counting_adapter
):
    BUSY.clear()
    approved_book(firm_a, 3)
    approved_book(firm_b, 2)
    errors: list = []
    workers = [
        threading.Thread(target=_beat, args=(ny(FRIDAY, 9, 45), errors)),
        threading.Thread(target=_beat, args=(ny(FRIDAY, 9, 45), errors)),
        threading.Thread(target=_manual, args=(firm_a.slug, errors)),
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not any(w.is_alive() for w in workers)
    assert errors == []
    assert len(BUSY) <= 1  # the manual trigger either ran the batch or was refused as busy
    orders = _check_once(firm_a) + _check_once(firm_b)
    assert sum(SENT.values()) == orders  # every order sent, none twice


@pytest.mark.django_db(transaction=True)
def test_a_beat_down_over_9_45_and_back_at_9_52_still_runs_the_batch_once(firm_a, counting_adapter):
    approved_book(firm_a, 2)
    errors: list = []
    for minute in range(30, 45):  # the beat ticks every minute until 09:44, then is down
        _beat(ny(FRIDAY, 9, minute), errors)
    with firm_scope(firm_a):
        assert not Batch.objects.exists()
    for minute in range(
        52, 60
    ):  # back at 09:52: the first check catches up, later ones find it done
        _beat(ny(FRIDAY, 9, minute), errors)
    assert errors == []
    orders = _check_once(firm_a)
    assert sum(SENT.values()) == orders
    with firm_scope(firm_a):
        assert Batch.objects.get().runs == 1
