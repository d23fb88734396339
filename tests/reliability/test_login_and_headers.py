"""Brute force on both logins, MFA-required firms, and security headers."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from firms.services.tenancy import firm_scope
from tests.conftest import PASSWORD, production_env
from tests.firms.isolation_world import PUBLIC
from tests.firms.test_url_matrix import _is_allauth, _named_patterns

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
BLOCKED = b"Too many failed login attempts"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _attempts_until_blocked(client, url, email, limit):
    """Wrong passwords until the login refuses even to check; returns how many got checked."""
    for n in range(1, limit + 1):
        response = client.post(url, {"login": email, "password": f"wrong-{n}"})
        if BLOCKED in response.content:
            return n - 1
    return limit


def _brute_force(client, email, attempts):
    checked = _attempts_until_blocked(client, reverse("account_login"), email, attempts)
    right = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    return checked, BLOCKED in right.content and "_auth_user_id" not in client.session


def test_the_allauth_login_blocks_after_five_wrong_passwords(client, members_a):
    checked, still_blocked_with_right_password = _brute_force(
        client, members_a["ops"].user.email, 50
    )
    assert (checked, still_blocked_with_right_password) == (5, True)


@pytest.mark.heavy
def test_a_thousand_wrong_passwords_get_five_checked(client, members_a):
    checked, blocked = _brute_force(client, members_a["ops"].user.email, 1000)
    assert (checked, blocked) == (5, True)


def test_the_admin_login_never_authenticates_a_post_itself(client, members_a):
    """The admin login is allauth's (secure_admin_login): posting passwords to /admin/login/
    signs nobody in, so it offers no unthrottled way around allauth's limits and MFA."""
    email = members_a["ops"].user.email
    for n in range(20):
        response = client.post(
            reverse("admin:login"), {"username": email, "password": f"wrong-{n}"}
        )
        assert response.status_code == 302 and response["Location"].startswith(
            reverse("account_login")
        )
    client.post(reverse("admin:login"), {"username": email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_staff_of_an_mfa_firm_without_an_authenticator_reach_no_staff_page(
    login, firm_a, members_a
):
    with firm_scope(firm_a):
        firm_a.require_mfa_for_staff = True
        firm_a.save()
    client, reached = login(members_a["ops"]), []
    pages = [
        n
        for n, p in _named_patterns()
        if not p.pattern.regex.groups
        and not _is_allauth(n)
        and not n.startswith("api")
        and n not in PUBLIC  # health, readiness, metrics: no staff page, no session read
    ]
    for name in [*pages, "admin:index"]:
        response = client.get(reverse(name))
        if not (
            response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
        ):
            reached.append((name, response.status_code))
    assert reached == []


def test_responses_carry_csp_frame_referrer_and_nosniff_headers(client):
    response = client.get(reverse("account_login"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


_PRODUCTION_PROBE = """
import django, json, os
django.setup()
from django.test import Client
r = Client(HTTP_HOST="localhost").get("/accounts/login/", secure=True)
plain = Client(HTTP_HOST="localhost").get("/accounts/login/")
print(json.dumps({"status": r.status_code, "hsts": r.get("Strict-Transport-Security", ""),
                  "csp": r.get("Content-Security-Policy", ""), "xfo": r.get("X-Frame-Options", ""),
                  "cookie_secure": all(c["secure"] for c in r.cookies.values()),
                  "plain_status": plain.status_code, "plain_location": plain.get("Location", "")}))
"""


def test_production_settings_send_hsts_and_redirect_http_to_https(production_static_root):
    # Pages link static files by collectstatic's hashed names in production.
    env = production_env(STATIC_ROOT=str(production_static_root))
    out = subprocess.run(
        [sys.executable, "-c", _PRODUCTION_PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert (
        got["status"] == 200
        and "max-age=31536000" in got["hsts"]
        and "includeSubDomains" in got["hsts"]
    )
    assert "default-src 'self'" in got["csp"] and got["xfo"] == "DENY" and got["cookie_secure"]
    assert got["plain_status"] == 301 and got["plain_location"].startswith("https://")
