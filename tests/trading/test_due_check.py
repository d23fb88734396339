"""The minute check: one batch per firm and date however often, late or doubled it fires;
nothing on holidays; a batch left unfinished is resumed."""

from datetime import date

import pytest

from firms.services.tenancy import firm_scope
from tests.trading.helpers import approved_book, ny
from trading import tasks
from trading.choices import BatchStatus
from trading.models import Batch
from trading.services.batch import batch_claim

pytestmark = pytest.mark.django_db
FRIDAY = date(2026, 11, 27)


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.trade_batch_firm, "delay", lambda **kw: calls.append(kw))
    return calls


def test_thanksgiving_runs_nothing(firm_a, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.batches_enqueue_due(now=ny(date(2026, 11, 26), 9, 45)) == []
    assert sent == []


def test_the_day_after_thanksgiving_starts_at_9_45_not_before(
    firm_a, firm_b, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.batches_enqueue_due(now=ny(FRIDAY, 9, 44)) == []
        assert tasks.batches_enqueue_due(now=ny(FRIDAY, 9, 45)) == [firm_a.pk, firm_b.pk]
    assert sent == [
        {"firm_id": firm_a.pk, "trade_date": "2026-11-27"},
        {"firm_id": firm_b.pk, "trade_date": "2026-11-27"},
    ]


def test_a_doubled_or_late_beat_still_yields_one_batch_per_firm_and_date(firm_a, settings):
    settings.TRADING_SIMULATED = {"seed": 1, "reject_rate": 0.0, "partial_rate": 0.0}
    approved_book(firm_a, 2)
    for now in (ny(FRIDAY, 9, 45), ny(FRIDAY, 9, 45), ny(FRIDAY, 11, 52)):
        for firm_id in tasks.batches_enqueue_due(now=now):
            with firm_scope(firm_id):
                tasks.trade_batch_firm.run(firm_id=firm_id, trade_date=FRIDAY.isoformat())
    with firm_scope(firm_a):
        assert Batch.objects.filter(trade_date=FRIDAY).count() == 1
        assert Batch.objects.get().status == BatchStatus.DONE and Batch.objects.get().runs == 1
    assert tasks.batches_enqueue_due(now=ny(FRIDAY, 12, 0)) == []  # done: not due again


def test_claiming_twice_inserts_one_row(firm_a):
    with firm_scope(firm_a):
        assert (
            batch_claim(firm_id=firm_a.pk, trade_date=FRIDAY).pk
            == batch_claim(firm_id=firm_a.pk, trade_date=FRIDAY).pk
        )
        assert Batch.objects.count() == 1


def test_an_unfinished_batch_is_due_again_so_the_next_check_resumes_it(firm_a, sent):
    with firm_scope(firm_a):
        batch_claim(firm_id=firm_a.pk, trade_date=FRIDAY)  # a worker died after claiming
    assert tasks.batches_enqueue_due(now=ny(FRIDAY, 9, 46)) == [firm_a.pk]
