"""Signing in through allauth: audit, rate limits, per-firm MFA, the admin's login."""
import pytest
from django.core.cache import cache
from django.urls import reverse

from firms.models import AuditEntry
from firms.tenancy import firm_scope
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
    assert client.get(reverse("home")).status_code == 302
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


def test_a_firm_requiring_mfa_sends_staff_without_an_authenticator_to_set_one_up(login, firm_a, members_a):
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
