"""The production image's commands, run here (no Docker engine on these machines): collectstatic
with production settings, gunicorn with the image's config serving a page and a static file
through WhiteNoise, the containers' health check; and the Dockerfile / compose file keep the
essentials (non-root, the runtime lock, a one-shot migrate, gunicorn, DEBUG off)."""

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from django.db import connections
from django.test import Client

import tests.conftest
from firms.choices import Role
from tests.ops.helpers import owner_database_url

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s" * 50 + "-production-like-key"


def production_env(**extra) -> dict:
    """The environment of the image's processes: DEBUG off, a real key, the site's host."""
    return tests.conftest.production_env(
        DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="rebalance.example.com", **extra
    )


@pytest.fixture
def static_root(production_static_root):
    return production_static_root


def test_collectstatic_writes_hashed_compressed_files_and_a_manifest(static_root):
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/app.css"]
    assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", hashed)
    assert (static_root / hashed).exists()
    assert (static_root / f"{hashed}.gz").exists() and (static_root / f"{hashed}.br").exists()
    # The admin's and the API docs' files are collected too (served by the same process).
    assert "admin/css/base.css" in manifest
    assert any(p.startswith("drf_spectacular_sidecar/swagger-ui-dist/") for p in manifest)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(static_root, transactional_db):
    """The web container's command, on 127.0.0.1, against the test database."""
    port = _free_port()
    env = production_env(
        STATIC_ROOT=str(static_root),
        DATABASE_URL=owner_database_url(),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
    )
    log = static_root.parent / f"gunicorn-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "rebalance_site/gunicorn_conf.py",
                "rebalance_site.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # a worker's start: imports, Django's setup
        while True:
            if proc.poll() is not None:
                pytest.fail(f"gunicorn exited: {log.read_text()[-3000:]}")
            try:
                requests.get(f"{base}/accounts/login/", headers=PROXIED, timeout=10)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not answer: {log.read_text()[-3000:]}")
                time.sleep(0.2)
        yield base, env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        connections["owner"].close()


# As the TLS-terminating proxy in front of the web container forwards a request.
PROXIED = {"Host": "rebalance.example.com", "X-Forwarded-Proto": "https"}


def test_gunicorn_with_production_settings_serves_pages_and_static_files(
    gunicorn, firm_a, members_a, settings
):
    base, env = gunicorn
    page = requests.get(f"{base}/accounts/login/", headers=PROXIED, timeout=10)
    assert page.status_code == 200, page.text[:2000]
    assert "Strict-Transport-Security" in page.headers
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page.text)
    assert css, "the page links the hashed stylesheet from collectstatic's manifest"

    static = requests.get(
        f"{base}{css.group(1)}", headers={**PROXIED, "Accept-Encoding": "br"}, timeout=10
    )
    assert static.status_code == 200
    assert static.headers["Content-Type"].startswith("text/css")
    assert static.headers.get("Content-Encoding") == "br"
    assert "immutable" in static.headers["Cache-Control"]  # hashed names: cached for good
    assert static.text == (ROOT / "static" / "css" / "app.css").read_text()

    # A signed-in advisor's page: the app's own database login, RLS and the firm's scope. The
    # session is made here, signed with the server's key (its password hash is keyed by it).
    settings.SECRET_KEY = SECRET
    client = Client()
    client.force_login(members_a[Role.ADVISOR].user)
    cookie = client.cookies["sessionid"].value
    dashboard = requests.get(
        f"{base}/drift/",
        headers={**PROXIED, "Cookie": f"sessionid={cookie}"},
        timeout=20,
        allow_redirects=False,
    )
    assert dashboard.status_code == 200, dashboard.text[:2000]
    assert firm_a.name in dashboard.text

    # Plain http (not through the proxy) is sent to https; an unknown host is refused.
    plain = requests.get(
        f"{base}/accounts/login/",
        headers={"Host": "rebalance.example.com"},
        timeout=10,
        allow_redirects=False,
    )
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    other_host = requests.get(
        f"{base}/accounts/login/", headers={**PROXIED, "Host": "evil.test"}, timeout=10
    )
    assert other_host.status_code == 400

    # The containers' health check command (scripts/http_check.py), as compose runs it.
    def check(path):
        return subprocess.run(
            [sys.executable, "scripts/http_check.py", f"{base}{path}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=30,
        ).returncode

    assert check("/accounts/login/") == 0
    assert check("/no-such-page/") == 1


def test_the_dockerfile_builds_a_slim_non_root_image_from_the_runtime_lock():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert "pip install --require-hashes -r requirements.lock" in text
    assert "requirements-dev" not in text
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0"):  # weasyprint's libraries
        assert package in text
    assert "manage.py collectstatic --noinput" in text
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    cmd = json.loads(re.search(r"^CMD\s+(\[.*\])", text, re.M).group(1))
    assert cmd[:3] == ["gunicorn", "-c", "rebalance_site/gunicorn_conf.py"]
    # Tests, benchmarks and local data never enter the image.
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".data", ".git", "tests"} <= set(ignored)


def test_the_production_compose_file_runs_migrate_once_then_web_worker_beat():
    compose = yaml.safe_load((ROOT / "docker-compose.prod.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "beat"} <= set(services)
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--no-input"]
    assert services["migrate"]["restart"] == "no"
    dockerfile_cmd = json.loads(
        re.search(r"^CMD\s+(\[.*\])", (ROOT / "Dockerfile").read_text(), re.M).group(1)
    )
    assert services["web"]["command"] == dockerfile_cmd
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert service["environment"]["DJANGO_DEBUG"] == "0"
        assert "runserver" not in json.dumps(service)
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    for name in ("postgres", "redis", "worker"):
        assert services[name]["healthcheck"]["test"]
