"""CSRF on every state-changing view, and role escalation on every role-gated view. Each POST
goes to firm A's OWN objects, so a missing check would change state; firm A's fingerprint (row
counts and statuses of every firm-owned table) must not move."""

import pytest
from django.test import Client
from django.urls import resolve, reverse

from firms.choices import Role
from tests.firms.isolation_world import PAGES, PUBLIC, build_world, fingerprint
from tests.firms.test_url_matrix import _is_allauth, _named_patterns

pytestmark = pytest.mark.django_db
FORM = {
    "reason": "x",
    "decision": "approve",
    "note": "x",
    "scope": "firm",
    "name": "x",
    "post": "yes",
}


@pytest.fixture
def own_world(firm_a, members_a):
    return build_world(firm_a, members_a)


def _targets(world):
    """Every project URL: id URLs with firm A's own ids, plus every URL without arguments."""
    for name in sorted(PAGES):
        yield name, reverse(name, args=[world.ids[name]])
    for name, p in _named_patterns():
        if not p.pattern.regex.groups and not name.startswith("api-root"):
            yield name, reverse(name)


def _admin_targets(world):
    from firms.admin import firm_admin_site

    for model in firm_admin_site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        yield f"admin add {info}", reverse("admin:{}_{}_add".format(*info))
        if model._meta.label_lower in world.admin_ids:
            pk = world.admin_ids[model._meta.label_lower]
            yield f"admin delete {info}", reverse("admin:{}_{}_delete".format(*info), args=[pk])


@pytest.mark.parametrize("role", ["ops", "firm_admin", "compliance_officer", "senior_advisor"])
def test_no_post_without_a_valid_csrf_token_changes_anything(members_a, own_world, firm_a, role):
    client = Client(enforce_csrf_checks=True)
    client.force_login(members_a[role].user, backend="django.contrib.auth.backends.ModelBackend")
    before, tried, passed = fingerprint(firm_a.pk), 0, []
    for label, url in [*_targets(own_world), *_admin_targets(own_world)]:
        for cookie in (None, "x" * 32):  # no token at all; a cookie with a different form token
            if cookie:
                client.cookies["csrftoken"] = cookie
            response = client.post(
                url, {**FORM, "csrfmiddlewaretoken": "y" * 32} if cookie else FORM
            )
            tried += 1
            # The public ops endpoints (health, readiness, metrics) answer GET only, before the
            # session and CSRF: a POST is refused as a method, and changes nothing.
            if response.status_code != (405 if label in PUBLIC else 403):
                passed.append((label, response.status_code))
    assert fingerprint(firm_a.pk) == before
    assert passed == [], f"{len(passed)} of {tried} POSTs got past CSRF: {passed}"


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.CLIENT])
def test_a_role_outside_a_views_gate_is_refused_and_changes_nothing(
    login, members_a, own_world, firm_a, role
):
    client = login(members_a[role])
    before, refused, escalated = fingerprint(firm_a.pk), 0, []
    for label, url in _targets(own_world):
        if _is_allauth(label):
            continue
        allowed = getattr(resolve(url).func, "allowed_roles", None)
        if allowed is None or role in allowed:
            continue
        response = client.post(url, FORM)
        refused += response.status_code == 403
        if response.status_code != 403:
            escalated.append((label, response.status_code))
    assert fingerprint(firm_a.pk) == before
    assert escalated == []


@pytest.mark.parametrize(
    "role", [r for r in Role.values if r not in (Role.OPS, Role.FIRM_ADMIN, Role.CLIENT)]
)
def test_staff_outside_ops_cannot_write_through_the_admin(
    login, members_a, own_world, firm_a, role
):
    client = login(members_a[role])
    before = fingerprint(firm_a.pk)
    for label, url in _admin_targets(own_world):
        response = client.post(url, FORM)
        assert response.status_code == 302 and "login" in response["Location"], label
    assert fingerprint(firm_a.pk) == before
