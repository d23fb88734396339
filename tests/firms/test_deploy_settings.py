"""Production settings pass Django's deployment checklist with no warning."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings():
    # A production environment: no debug, and none of the test run's own switches.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 64 + "-production-like-secret-key-for-check"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "DJANGO_SECRET_KEY")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY is required" in result.stderr


def test_a_malformed_boolean_setting_fails_loudly():
    env = dict(os.environ, DJANGO_DEBUG="maybe")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr


def _compose_app_environment() -> dict:
    """The web, worker and beat containers' environment (docker-compose.prod.yml), with the
    values an operator supplies filled in."""
    import re

    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.prod.yml").read_text())
    supplied = {
        "DJANGO_SECRET_KEY": "k" * 64 + "-operator-supplied",
        "DJANGO_ALLOWED_HOSTS": "rebalance.example.com",
        "SITE_URL": "https://rebalance.example.com",
        "POSTGRES_PASSWORD": "pg-secret",
        "DATABASE_APP_PASSWORD": "app-secret",
    }

    def fill(value: str) -> str:
        # ${NAME:?message} / ${NAME:-default}, as compose substitutes them.
        def one(match):
            name, op, rest = match.group(1), match.group(2), match.group(3)
            return supplied.get(name, rest if op == ":-" else "")

        return re.sub(r"\$\{(\w+)(:[?-])([^}]*)\}", one, str(value))

    return {k: fill(v) for k, v in compose["services"]["web"]["environment"].items()}


def test_check_deploy_is_clean_with_the_production_compose_environment():
    compose_env = _compose_app_environment()
    assert compose_env["DJANGO_DEBUG"] == "0"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    # Same keys as the containers, except the database and Redis: this machine's test servers.
    env.update({k: v for k, v in compose_env.items() if k not in ("DATABASE_URL", "REDIS_URL")})
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


_STATIC_PROBE = """
import django, json
django.setup()
from django.conf import settings
print(json.dumps({"middleware": settings.MIDDLEWARE,
                  "static": settings.STORAGES["staticfiles"]["BACKEND"]}))
"""


def test_production_serves_static_files_through_whitenoise_with_hashed_names():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    got = {}
    for debug in ("0", "1"):
        env.update(DJANGO_DEBUG=debug, DJANGO_SECRET_KEY="w" * 64)
        out = subprocess.run(
            [sys.executable, "-c", _STATIC_PROBE], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr[-2000:]
        got[debug] = json.loads(out.stdout.strip().splitlines()[-1])
    # WhiteNoise answers right after the security middleware (HTTPS redirect, HSTS first).
    production = got["0"]["middleware"]
    security = production.index("django.middleware.security.SecurityMiddleware")
    assert production[security + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    assert got["0"]["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # Development (make demo, the tests) keeps runserver's static files: no collectstatic needed.
    assert "whitenoise.middleware.WhiteNoiseMiddleware" not in got["1"]["middleware"]
    assert got["1"]["static"] == "django.contrib.staticfiles.storage.StaticFilesStorage"
