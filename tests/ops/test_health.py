"""/healthz and /readyz: unauthenticated, ahead of the host check, the HTTPS redirect, the
session and the firm scope; /readyz fails (503, naming the check) when the database or Redis
is unreachable, a migration is not applied or the beat heartbeat is stale."""

import time

import pytest
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend

from core.heartbeat import heartbeat_record
from firms.services.db_security import owner_role
from tests.ops.helpers import unused_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def beat_alive():
    heartbeat_record()


def _failed(response) -> dict:
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["status"] == "fail"
    return {name: check["detail"] for name, check in body["checks"].items() if not check["ok"]}


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_needs_no_session_and_skips_the_signed_in_users_lookups(
    login, members_a, django_assert_num_queries
):
    client = login(members_a["firm_admin"])
    with django_assert_num_queries(0):  # no session row, no membership, no firm scope
        assert client.get("/healthz").status_code == 200


def test_probes_skip_the_host_check_and_the_https_redirect(client, settings, beat_alive):
    """An orchestrator probes the container by its address, over plain HTTP."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["rebalance.example.com"]
    probe = {"HTTP_HOST": "10.0.0.7:8000"}
    assert client.get("/healthz", **probe).status_code == 200
    assert client.get("/readyz", **probe).status_code == 200
    # control: any other page from that address is refused, and HTTP is redirected
    assert client.get("/", **probe).status_code == 400
    assert client.get("/", HTTP_HOST="rebalance.example.com").status_code == 301


def test_readyz_is_ready_when_everything_answers(client, beat_alive):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    assert set(checks) == {"database", "redis", "migrations", "beat"}
    assert all(check["ok"] for check in checks.values())


def test_readyz_fails_when_redis_is_down(client, settings, beat_alive):
    settings.REDIS_URL = f"redis://127.0.0.1:{unused_port()}/2"
    started = time.monotonic()
    failed = _failed(client.get("/readyz"))
    assert time.monotonic() - started < 5  # refused at once, never hangs
    assert failed["redis"] == "redis unreachable (ConnectionError)"
    assert failed["beat"] == "redis unreachable (ConnectionError)"  # the heartbeat lives there
    assert set(failed) == {"redis", "beat"}  # the database is fine


def test_readyz_fails_when_the_database_is_unreachable(client, beat_alive):
    """The app's alias, pointed at a port nothing listens on for this one request (the test
    database itself is untouched)."""
    settings_dict = {**connection.settings_dict, "HOST": "127.0.0.1", "PORT": unused_port()}
    unreachable = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
    real = connections["default"]
    connections["default"] = unreachable
    try:
        failed = _failed(client.get("/readyz"))
    finally:
        connections["default"] = real
        unreachable.close()
    assert failed == {
        "database": "database unreachable (OperationalError)",
        "migrations": "not checked: the database is unreachable",
    }
    assert client.get("/readyz").status_code == 200  # and back


def test_readyz_fails_when_a_migration_is_not_applied(client, beat_alive):
    """The code ships a migration the database's history does not have (code deployed before
    `migrate`): the owner takes one real migration off the recorder, on its own committed
    connection, and puts it back."""
    app, name = "ops", "0001_platform_metrics_function"
    with owner_role(fresh_connection=True):
        MigrationRecorder(connections["default"]).record_unapplied(app, name)
    try:
        failed = _failed(client.get("/readyz"))
    finally:
        with owner_role(fresh_connection=True):
            MigrationRecorder(connections["default"]).record_applied(app, name)
    assert failed == {"migrations": f"1 unapplied: {app}.{name}"}
    assert client.get("/readyz").status_code == 200


def test_readyz_fails_when_the_beat_heartbeat_is_stale_or_missing(client, settings):
    settings.READYZ_BEAT_MAX_AGE_S = 180
    heartbeat_record(time.time() - 600)
    assert _failed(client.get("/readyz")) == {"beat": "last heartbeat 600 s ago (allowed 180 s)"}
    from core.heartbeat import KEY
    from core.redis import redis_client

    redis_client().delete(KEY)
    assert "no heartbeat recorded" in _failed(client.get("/readyz"))["beat"]


def test_the_heartbeat_task_records_the_time(settings):
    from core.heartbeat import heartbeat_age_s
    from firms.tasks import heartbeat

    heartbeat_record(time.time() - 1000)
    assert heartbeat() == "ok"
    assert heartbeat_age_s() < 5


def test_readyz_answers_get_only(client):
    assert client.post("/readyz").status_code == 405
    assert client.post("/healthz").status_code == 405


def test_the_endpoints_carry_the_security_headers(client, settings):
    settings.METRICS_TOKEN = "t" * 16
    for path in ("/healthz", "/readyz", "/metrics"):
        response = client.get(path)
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert "default-src 'self'" in response["Content-Security-Policy"], path
