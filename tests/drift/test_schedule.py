"""When the scan is due, with an injected clock."""

from datetime import UTC, datetime
from datetime import timezone as tz

import pytest
from django.core.management import call_command

from drift import tasks
from drift.models import ScanRun
from drift.services.schedule import scan_date_due
from firms.services.tenancy import firm_scope


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_thanksgiving_2026_is_a_holiday_and_runs_nothing():
    assert scan_date_due(utc(2026, 11, 26, 23, 0)) is None


def test_the_early_close_of_2026_11_27_is_due_at_13_30_new_york_and_not_at_13_29():
    assert scan_date_due(utc(2026, 11, 27, 18, 29)) is None  # 13:29 EST
    assert str(scan_date_due(utc(2026, 11, 27, 18, 30))) == "2026-11-27"


def test_an_ordinary_day_is_due_at_16_30_new_york():
    assert scan_date_due(utc(2026, 11, 24, 21, 29)) is None
    assert str(scan_date_due(utc(2026, 11, 24, 21, 30))) == "2026-11-24"


def test_the_delay_is_a_setting(settings):
    settings.DRIFT_SCAN_DELAY_MINUTES = 60
    assert scan_date_due(utc(2026, 11, 24, 21, 59)) is None
    assert scan_date_due(utc(2026, 11, 24, 22, 0)) is not None


def test_a_date_two_years_ahead_is_on_the_calendar():
    assert scan_date_due(utc(2028, 11, 23, 23, 0)) is None  # Thanksgiving 2028
    assert scan_date_due(utc(2028, 11, 22, 22, 0)) is not None


@pytest.mark.django_db
def test_the_due_check_enqueues_each_firm_once_and_nothing_on_a_holiday(
    firm_a, firm_b, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.drift_scan_firm, "delay", lambda **kw: sent.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.scans_enqueue_due(now=utc(2026, 11, 26, 23, 0)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.scans_enqueue_due(now=utc(2026, 11, 27, 18, 29)) == []
    with django_capture_on_commit_callbacks(execute=True):
        due = tasks.scans_enqueue_due(now=utc(2026, 11, 27, 18, 30))
    assert sorted(due) == sorted([firm_a.pk, firm_b.pk])
    assert {(s["firm_id"], s["as_of"]) for s in sent} == {
        (firm_a.pk, "2026-11-27"),
        (firm_b.pk, "2026-11-27"),
    }
    with firm_scope(firm_a):
        ScanRun.objects.create(firm=firm_a, as_of="2026-11-27", status="done")
    assert tasks.scans_enqueue_due(now=utc(2026, 11, 27, 19, 0)) == [firm_b.pk]


@pytest.mark.django_db(transaction=True)
def test_the_scan_task_runs_in_the_firm_scope(firm_a):
    counts = tasks.drift_scan_firm.apply(kwargs={"firm_id": firm_a.pk, "as_of": "2026-11-24"}).get()
    assert counts["accounts"] == 0
    with firm_scope(firm_a):
        assert ScanRun.objects.get().status == "done"


@pytest.mark.django_db
def test_the_command_scans_a_firm_by_slug_with_progress(firm_a, capsys):
    call_command("drift_scan", "alpha", "--as-of", "2026-11-24", skip_checks=True)
    out = capsys.readouterr().out
    assert "Scanning Alpha Advisors as of 2026-11-24" in out and "Done" in out
    with firm_scope(firm_a):
        assert ScanRun.objects.filter(as_of="2026-11-24").exists()
