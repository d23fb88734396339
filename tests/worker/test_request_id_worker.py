"""A real Celery worker on the real Redis broker: the JSON log lines of a task carry the
request id of the web request that enqueued it, and so do those of the tasks it enqueues."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from notifications.tasks import outbox_sweep_all
from tests.ops import urls as probe_urls
from tests.worker.test_celery_worker import _test_database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.ops.urls"),
]


@pytest.fixture
def json_worker(tmp_path, settings):
    """A worker whose default queue is private to this test (so the tasks it publishes come
    back to it), logging JSON lines at INFO into a file (--quiet: no start-up banner)."""
    queue = f"test-reqid-{os.getpid()}"
    log_path = tmp_path / "worker.log"
    env = dict(
        os.environ,
        DATABASE_URL=_test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        DJANGO_DEBUG="1",
        LOG_FORMAT="json",
        CELERY_TASK_DEFAULT_QUEUE=queue,
    )
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "rebalance_site",
                "--quiet",
                "worker",
                "--pool=solo",
            ]
            + ["--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            text=True,
        )
    time.sleep(1)
    yield queue, log_path
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _succeeded(log_path: Path, task_name: str) -> list[dict]:
    lines = []
    for raw in log_path.read_text().splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if line.get("logger") == "celery.app.trace" and task_name in line["message"]:
            if "succeeded" in line["message"]:
                lines.append(line)
    return lines


def test_the_tasks_a_request_enqueues_log_its_request_id(
    client, json_worker, firm_a, firm_b, monkeypatch
):
    queue, log_path = json_worker
    monkeypatch.setitem(probe_urls.PUBLISH, "task", outbox_sweep_all)
    monkeypatch.setitem(probe_urls.PUBLISH, "queue", queue)

    response = client.get("/ops-test/probe")
    request_id = response["X-Request-ID"]

    # The request's task (one sweep of all firms) enqueues one sweep per firm, in the worker.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        parents = _succeeded(log_path, "notifications.tasks.outbox_sweep_all")
        children = _succeeded(log_path, "notifications.tasks.outbox_sweep_firm")
        if parents and len(children) >= 2:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the worker did not run the tasks:\n" + log_path.read_text()[-3000:])

    [parent] = parents
    assert parent["request_id"] == request_id
    assert parent["task_id"] and parent["task_id"] in parent["message"]
    assert [child["request_id"] for child in children] == [request_id, request_id]
    assert len({child["task_id"] for child in children} | {parent["task_id"]}) == 3
    # Every line the worker wrote is a JSON object with the fixed fields.
    worker_lines = [raw for raw in log_path.read_text().splitlines() if raw.strip()]
    assert worker_lines and all(
        {"time", "level", "logger", "message", "request_id", "task_id"} <= set(json.loads(raw))
        for raw in worker_lines
    )
