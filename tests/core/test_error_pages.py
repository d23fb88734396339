"""Styled 403/404/500 pages with debug off, a favicon, and one quiet warning line for a 403."""

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.test import Client, override_settings
from django.urls import path, reverse

from firms.choices import Role

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("boom")


def _forbidden(request):
    raise PermissionDenied("Your role may not do this: test.")


from rebalance_site.urls import urlpatterns as site_urlpatterns  # noqa: E402

urlpatterns = [path("boom/", _boom), path("forbidden/", _forbidden), *site_urlpatterns]


@pytest.fixture
def no_debug(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False


def test_a_403_is_styled_names_the_reason_and_shows_the_menu(no_debug, login, members_a):
    client = login(members_a[Role.ADVISOR])
    page = client.get(reverse("drift:model_new"))
    body = page.content.decode()
    assert page.status_code == 403
    assert "You do not have access to this page" in body
    assert "create, edit, retire and apply models" in body  # the matrix's reason
    assert "css/app.css" in body and "favicon.svg" in body
    assert reverse("drift:drifted") in body  # the member's menu


def test_a_404_is_styled(no_debug, login, members_a):
    page = login(members_a[Role.ADVISOR]).get("/drift/proposals/999999/")
    assert page.status_code == 404
    body = page.content.decode()
    assert "Page not found" in body and "css/app.css" in body


@override_settings(ROOT_URLCONF="tests.core.test_error_pages")
def test_a_500_is_styled_and_needs_no_database(no_debug):
    client = Client(raise_request_exception=False)
    page = client.get("/boom/")
    assert page.status_code == 500
    body = page.content.decode()
    assert "Something went wrong on our side" in body and "css/app.css" in body


def test_the_500_template_renders_with_no_context_and_no_database(django_assert_num_queries):
    from django.test import RequestFactory
    from django.views.defaults import server_error

    with django_assert_num_queries(0):
        page = server_error(RequestFactory().get("/"))
    assert page.status_code == 500 and b"Something went wrong" in page.content
    assert connections["default"] is not None


@override_settings(ROOT_URLCONF="tests.core.test_error_pages")
def test_a_403_logs_one_warning_line_without_a_traceback(no_debug, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/forbidden/").status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING and records[0].exc_info is None
    assert "\n" not in logging.Formatter().format(records[0])


def test_favicon(client):
    page = client.get("/favicon.ico")
    assert page.status_code == 301 and page["Location"].endswith("favicon.svg")
