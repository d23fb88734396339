"""Signing in through allauth: audit, rate limits, per-firm MFA, the admin's login."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_a_staff_member_signs_in_and_the_login_is_audited(client, firm_a, members_a):
    advisor = members_a["advisor"]
    response = _login(client, advisor.user.email, PASSWORD)
    assert response.status_code == 302
    home = client.get(reverse("home"))  # staff land on the dashboard
    assert home.status_code == 200 and b"<h1>Dashboard</h1>" in home.content
    with firm_scope(firm_a):
        assert AuditEntry.objects.filter(event="auth.login", actor=advisor.user).count() == 1


def test_failed_logins_are_audited_and_then_rate_limited(client, firm_a, members_a):
    email = members_a["advisor"].user.email
    for _ in range(5):
        assert _login(client, email, "wrong-password").status_code == 200
    blocked = _login(client, email, PASSWORD)
    assert blocked.status_code == 200 and b"Too many failed login attempts" in blocked.content
    with firm_scope(firm_a):
        assert AuditEntry.objects.filter(event="auth.login_failed").count() == 5


def test_a_firm_requiring_mfa_sends_staff_without_an_authenticator_to_set_one_up(
    login, firm_a, members_a
):
    with firm_scope(firm_a):
        firm_a.require_mfa_for_staff = True
        firm_a.save()
    response = login(members_a["advisor"]).get(reverse("portfolios:accounts"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_without_the_firm_setting_staff_are_not_forced_into_mfa(login, members_a):
    assert login(members_a["advisor"]).get(reverse("portfolios:accounts")).status_code == 200


def test_the_admin_login_is_allauths(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_nobody_can_sign_up_on_their_own(client):
    response = client.get(reverse("account_signup"))
    assert b"Sign Up Closed" in response.content or response.status_code in (302, 403, 404)


def _fail_ten_times_then_sign_in(client, members, forwarded_for_attacker, forwarded_for_user):
    """Ten failed logins (spread over several accounts, so no account's own limit trips)
    from one client, then a colleague behind the same proxy signs in."""
    emails = [m.user.email for m in members.values()]
    for i in range(10):
        client.post(
            reverse("account_login"),
            {"login": emails[i % len(emails)], "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded_for_attacker,
        )
    return client.post(
        reverse("account_login"),
        {"login": members["advisor"].user.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded_for_user,
    )


def test_behind_a_configured_proxy_one_clients_failures_do_not_lock_out_the_others(
    client, members_a, settings
):
    """TRUSTED_PROXY_COUNT=1 → the throttle counts the forwarded client."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    response = _fail_ten_times_then_sign_in(client, members_a, "203.0.113.7", "198.51.100.4")
    assert response.status_code == 302, "a colleague behind the same proxy was locked out"


def test_a_client_header_names_the_client_when_the_proxy_sets_one(client, members_a, settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    emails = [m.user.email for m in members_a.values()]
    for i in range(10):
        client.post(
            reverse("account_login"),
            {"login": emails[i % len(emails)], "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_REAL_IP="203.0.113.7",
        )
    ok = client.post(
        reverse("account_login"),
        {"login": members_a["advisor"].user.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_REAL_IP="198.51.100.4",
    )
    assert ok.status_code == 302


def test_without_the_setting_forwarded_addresses_are_not_trusted(client, members_a, settings):
    """The default trusts no proxy: a spoofed X-Forwarded-For cannot dodge the throttle."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    response = _fail_ten_times_then_sign_in(client, members_a, "203.0.113.7", "198.51.100.4")
    assert response.status_code == 200 and b"Too many failed login attempts" in response.content


def test_a_token_api_call_works_when_the_firm_requires_mfa_for_staff(client, firm_a, members_a):
    """The MFA requirement gates interactive sign-ins; a token is its own
    credential (it answered 500: the middleware looked up an authenticator for the anonymous
    session user)."""
    from firms.services.api_tokens import api_token_create

    with firm_scope(firm_a):
        firm_a.require_mfa_for_staff = True
        firm_a.save()
    key = api_token_create(members_a["ops"].user)
    response = client.get("/api/book/accounts/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    client.force_login(members_a["ops"].user, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(
        reverse("portfolios:accounts")
    )  # the same member's session still must set up MFA
    assert page.status_code == 302 and page["Location"] == reverse("mfa_activate_totp")


def test_the_proxy_settings_come_from_the_environment():
    """TRUSTED_PROXY_COUNT / TRUSTED_CLIENT_IP_HEADER reach allauth's settings (README)."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "TRUSTED_PROXY_COUNT": "2", "TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"}
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.ALLAUTH_TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_CLIENT_IP_HEADER]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == [2, "X-Real-IP"]
