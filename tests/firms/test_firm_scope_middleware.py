"""The request's membership, firm and firm scope (rebalance_site.middleware.FirmScopeMiddleware): a
changed or revoked membership counts from the next request, the connection's settings are the
firm's during the request and cleared after it."""

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

from firms.choices import Role
from firms.models import Membership
from firms.services.tenancy import firm_scope
from rebalance_site.middleware import FirmScopeMiddleware

pytestmark = pytest.mark.django_db


def _settings() -> tuple[str, str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT current_setting('app.firm_id', true), current_setting('app.user_id', true)"
        )
        return cur.fetchone()


def _in_request(user):
    request = RequestFactory().get("/")
    request.user, request.session, request.META["HTTP_AUTHORIZATION"] = user, {}, ""
    seen = {}

    def get_response(req):
        seen.update(firm=req.firm, membership=req.membership, settings=_settings())
        return HttpResponse("ok")

    FirmScopeMiddleware(get_response)(request)
    return seen


def test_the_request_runs_in_the_members_firm_and_the_connection_is_cleared_after(
    members_a, firm_a
):
    member = members_a["advisor"]
    seen = _in_request(member.user)
    assert (
        seen["firm"].pk == firm_a.pk
        and seen["firm"].name == firm_a.name
        and seen["firm"].slug == firm_a.slug
    )
    assert (seen["membership"].pk, seen["membership"].role, seen["membership"].user_id) == (
        member.pk,
        Role.ADVISOR,
        member.user_id,
    )
    assert seen["settings"] == (str(firm_a.pk), "")  # the firm's scope, not the user's
    assert _settings() == ("", "")


def test_a_user_without_membership_gets_no_scope(members_a, firm_a):
    member = members_a["ops"]
    user = member.user
    with firm_scope(firm_a):
        Membership.objects.filter(pk=member.pk).delete()
    seen = _in_request(user)
    assert seen["firm"] is None and seen["membership"] is None
    assert seen["settings"] == ("", "")
    assert _settings() == ("", "")


def test_a_changed_then_revoked_membership_counts_from_the_next_request(client, members_a, firm_a):
    member = members_a["advisor"]
    client.force_login(member.user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/drift/").status_code == 200
    with firm_scope(firm_a):
        Membership.objects.filter(pk=member.pk).update(role=Role.CLIENT)
    assert client.get("/drift/").status_code == 403  # a client now: no staff page
    with firm_scope(firm_a):
        Membership.objects.filter(pk=member.pk).update(role=Role.ADVISOR)
    assert client.get("/drift/").status_code == 200
    with firm_scope(firm_a):
        Membership.objects.filter(pk=member.pk).delete()
    assert client.get("/drift/").status_code == 403  # no membership: no firm, no staff page
    assert _settings() == ("", "")


def test_a_failed_request_still_clears_the_connection(members_a, firm_a):
    request = RequestFactory().get("/")
    request.user, request.session, request.META["HTTP_AUTHORIZATION"] = (
        members_a["ops"].user,
        {},
        "",
    )

    def get_response(req):
        raise RuntimeError("view failed")

    with pytest.raises(RuntimeError):
        FirmScopeMiddleware(get_response)(request)
    assert _settings() == ("", "")


def test_a_request_handled_inside_another_scope_gets_its_members_firm_and_restores_the_outer_one(
    members_a, firm_a, firm_b
):
    with firm_scope(firm_b):
        seen = _in_request(members_a["advisor"].user)
        assert _settings() == (str(firm_b.pk), "")
    assert seen["firm"].pk == firm_a.pk and seen["settings"] == (str(firm_a.pk), "")
    assert _settings() == ("", "")
