"""An upload above the size or row limit, and a year-0000 date, are
refused with an error naming the limit or the row, on the page and the API; the refused
attempt is recorded as an ImportRun and nothing is written."""

import pytest
from django.urls import reverse

from firms.services.tenancy import firm_scope
from portfolios import models as m
from tests.portfolios.import_support import fast_password_hashing, good_files, ready_a, with_line  # noqa: F401
from tests.portfolios.test_import_interfaces import token_client, uploads

pytestmark = pytest.mark.django_db


def _runs(firm):
    with firm_scope(firm):
        return list(m.ImportRun.objects.order_by("pk").values("ok", "errors"))


def _prices_written(firm):
    with firm_scope(firm):
        return m.Price.objects.count()


def test_a_year_0000_date_is_a_row_error_and_the_failed_run_is_recorded(ready_a, members_a, login):
    files = good_files()
    files["prices"] = with_line(files["prices"], 3, "0000-01-01,VXUS,40")
    response = login(members_a["ops"]).post(reverse("portfolios:import"), uploads(files))
    assert response.status_code == 200
    assert "0000-01-01 is before 1900-01-01; check the year" in response.content.decode()
    runs = _runs(ready_a)
    assert len(runs) == 1 and runs[0]["ok"] is False
    assert runs[0]["errors"][0]["row"] == 3 and runs[0]["errors"][0]["column"] == "date"
    assert _prices_written(ready_a) == 0


def test_a_file_above_the_size_limit_is_refused_naming_the_limit_on_the_page_and_the_api(
    ready_a, members_a, login, client, settings
):
    settings.IMPORT_MAX_FILE_BYTES = 200
    files = {
        "securities": good_files()["securities"],
        "prices": good_files()["prices"] + "\n" * 300,
    }
    page = login(members_a["ops"]).post(reverse("portfolios:import"), uploads(files))
    assert (
        page.status_code == 200
        and "the limit is 0.0 MB per file (IMPORT_MAX_FILE_BYTES)" in page.content.decode()
    )
    client.logout()
    api = token_client(client, members_a["ops"]).post("/api/book/import/", uploads(files))
    assert api.status_code == 400
    assert "IMPORT_MAX_FILE_BYTES" in api.json()["errors"][0]["message"]
    assert [r["ok"] for r in _runs(ready_a)] == [False, False] and _prices_written(ready_a) == 0


def test_a_file_above_the_row_limit_is_refused_naming_the_limit(
    ready_a, members_a, client, settings
):
    settings.IMPORT_MAX_ROWS = 3
    response = token_client(client, members_a["ops"]).post(
        "/api/book/import/", uploads(good_files())
    )
    assert response.status_code == 400
    messages = [e["message"] for e in response.json()["errors"]]
    assert (
        "the file has 5 rows; the limit is 3 rows per file (IMPORT_MAX_ROWS): split it into "
        "smaller imports" in messages
    )


def test_the_upload_settings_bound_memory():
    from django.conf import settings

    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440  # larger files stream to disk
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert (
        settings.IMPORT_MAX_FILE_BYTES <= 50 * 1024 * 1024 and settings.IMPORT_MAX_ROWS <= 1_000_000
    )
