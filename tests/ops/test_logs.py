"""Structured logs: one JSON object per line with time, level, logger, message and the firm,
user, request and task ids; a request id per request (an incoming well-formed X-Request-ID
kept, else a new one; returned in the response) carried in the headers of every task the
request publishes; portal tokens still never logged; Sentry off unless SENTRY_DSN is set."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery import shared_task

from core.redis import redis_client
from firms.services.tenancy import firm_scope
from firms.tasks import FirmTask, heartbeat
from rebalance_site.log_context import request_id_var
from tests.ops import urls as probe_urls
from tests.ops.helpers import json_log_lines

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.ops.urls")]
FIELDS = {"time", "level", "logger", "message", "firm_id", "user_id", "request_id", "task_id"}


def _lines(captured, logger):
    return [json.loads(line) for line in captured if json.loads(line)["logger"] == logger]


def test_a_request_gets_an_id_and_returns_it(client):
    first, second = client.get("/ops-test/probe"), client.get("/ops-test/probe")
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize(
    "incoming,kept",
    [
        ("edge-3f2a9c1e-77", True),
        ("0123456789abcdef0123456789abcdef", True),
        ("short", False),  # too short to be an id
        ("x" * 129, False),  # too long
        ("evil\nINFO forged line", False),
        ('quote"s-and spaces', False),
    ],
)
def test_an_incoming_request_id_is_kept_only_if_well_formed(client, incoming, kept):
    returned = client.get("/ops-test/probe", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"]
    assert (returned == incoming) is kept
    if not kept:
        assert len(returned) == 32


def test_a_signed_in_members_line_carries_firm_user_and_request(login, members_a, firm_a):
    member = members_a["advisor"]
    client = login(member)
    with json_log_lines() as captured:
        response = client.get("/ops-test/probe")
    [line] = _lines(captured, "tests.ops.probe")
    assert set(line) == FIELDS
    assert line["message"] == "probe view ran" and line["level"] == "WARNING"
    assert line["time"].endswith("Z") and "T" in line["time"]
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["firm_id"], line["user_id"], line["task_id"]) == (firm_a.pk, member.user.pk, None)


def test_lines_after_the_request_carry_no_leftover_ids(login, members_a):
    login(members_a["advisor"]).get("/ops-test/probe")
    with json_log_lines() as captured:
        import logging

        logging.getLogger("tests.ops.after").warning("between requests")
    [line] = _lines(captured, "tests.ops.after")
    assert (line["request_id"], line["user_id"], line["firm_id"]) == (None, None, None)


def test_djangos_own_4xx_line_carries_the_request_id_and_no_portal_token(client):
    """django.request logs a 404 after the whole middleware chain: still the request's line."""
    with json_log_lines("django.request") as captured:
        response = client.get("/portal/l/secret-token-abc123/nothing-here")
    lines = [json.loads(line) for line in captured]
    assert lines, "django.request logged nothing"
    assert all(line["request_id"] == response["X-Request-ID"] for line in lines)
    assert not any("secret-token-abc123" in json.dumps(line) for line in lines)


def test_a_task_published_in_a_request_carries_its_request_id(client, monkeypatch):
    """The message as it sits in Redis: the request id is one of its headers."""
    queue = f"ops-test-publish-{os.getpid()}"
    r = redis_client()
    r.delete(queue)
    monkeypatch.setitem(probe_urls.PUBLISH, "task", heartbeat)
    monkeypatch.setitem(probe_urls.PUBLISH, "queue", queue)
    try:
        response = client.get("/ops-test/probe", HTTP_X_REQUEST_ID="req-from-the-edge-1")
        raw = r.lpop(queue)
    finally:
        r.delete(queue)
    assert raw is not None, "nothing was published"
    headers = json.loads(raw)["headers"]
    assert headers["request_id"] == response["X-Request-ID"] == "req-from-the-edge-1"
    assert headers["task"] == "firms.tasks.heartbeat"


@shared_task(base=FirmTask, name="tests.ops.log_in_firm_task")
def _log_in_firm_task(*, firm_id: int) -> None:
    import logging

    logging.getLogger("tests.ops.task").warning("inside the firm task")


def test_a_firm_tasks_line_carries_its_firm_task_and_request(firm_a):
    """An inline run (no message) keeps the caller's request id and logs its own task id."""
    token = request_id_var.set("caller-request-42")
    try:
        with json_log_lines() as captured:
            result = _log_in_firm_task.apply(kwargs={"firm_id": firm_a.pk})
    finally:
        request_id_var.reset(token)
    [line] = _lines(captured, "tests.ops.task")
    assert line["request_id"] == "caller-request-42"
    assert line["task_id"] == result.id and line["firm_id"] == firm_a.pk
    assert request_id_var.get() is None


def test_a_task_without_a_request_starts_an_id_of_its_own(firm_a):
    with json_log_lines() as captured:
        _log_in_firm_task.apply(kwargs={"firm_id": firm_a.pk})
    [line] = _lines(captured, "tests.ops.task")
    assert len(line["request_id"]) == 32


def test_the_plain_format_stays_readable(firm_a):
    import logging

    from rebalance_site.log_format import PlainFormatter

    record = logging.LogRecord("drift.tasks", logging.INFO, __file__, 1, "scanned %d", (3,), None)
    record.firm_id, record.request_id, record.user_id, record.task_id = firm_a.pk, "r1", None, None
    assert (
        PlainFormatter().format(record)
        == f"INFO drift.tasks: scanned 3 [firm={firm_a.pk} request=r1]"
    )


def _django_python(env: dict, code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "rebalance_site.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_log_format_is_chosen_by_setting_and_refuses_unknown_values():
    run = _django_python(
        {"LOG_FORMAT": "json"},
        "import logging; logging.getLogger('x').warning('hello /portal/l/tok123/')",
    )
    line = json.loads(run.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello /portal/l/[redacted]/" and set(line) == FIELDS
    plain = _django_python(
        {"LOG_FORMAT": "plain"}, "import logging; logging.getLogger('x').warning('hi')"
    )
    assert plain.stderr.strip().splitlines()[-1] == "WARNING x: hi"
    bad = _django_python({"LOG_FORMAT": "xml"}, "")
    assert bad.returncode != 0 and "LOG_FORMAT='xml': use json or plain" in bad.stderr


def test_sentry_stays_off_without_sentry_dsn():
    import sentry_sdk

    assert "SENTRY_DSN" not in os.environ
    assert sentry_sdk.get_client().is_active() is False
    run = _django_python({}, "import sentry_sdk; print(sentry_sdk.get_client().is_active())")
    assert run.stdout.strip() == "False", run.stderr


def test_sentry_is_on_with_sentry_dsn_and_sends_no_personal_data_or_portal_token():
    code = (
        "import sentry_sdk; c = sentry_sdk.get_client(); "
        "from rebalance_site.sentry import scrub_event; "
        "e = scrub_event({'request': {'url': 'https://x/portal/l/tok-9z/'}}, None); "
        "print(c.is_active(), c.options['send_default_pii'], e['request']['url'])"
    )
    run = _django_python({"SENTRY_DSN": "https://public@127.0.0.1:9/1"}, code)
    assert run.stdout.split() == ["True", "False", "https://x/portal/l/[redacted]/"], run.stderr
