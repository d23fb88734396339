"""The book import through its three doors: the management command, the web page, the API."""

import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from firms.choices import Role
from firms.services.api_tokens import api_token_create
from firms.services.members import member_create
from firms.services.tenancy import firm_scope
from portfolios import models as m
from tests.factories import make_book
from tests.portfolios.import_support import (  # noqa: F401 (fixtures)
    GOOD,
    GOOD_COUNTS,
    book_counts,
    fast_password_hashing,
    good_files,
    ready_a,
    with_line,
)

pytestmark = pytest.mark.django_db

BAD_PRICE = with_line(good_files()["prices"], 3, "2024-11-20,VXUS,abc")


def uploads(files: dict[str, str]) -> dict[str, SimpleUploadedFile]:
    return {
        kind: SimpleUploadedFile(f"{kind}.csv", text.encode(), content_type="text/csv")
        for kind, text in files.items()
    }


def counts_in(firm) -> dict[str, int]:
    with firm_scope(firm):
        return book_counts()


# --- management command -----------------------------------------------------------------


def test_the_command_imports_the_files_in_a_folder(ready_a, tmp_path, capsys):
    for kind in ("securities", "prices"):
        shutil.copy(GOOD / f"{kind}.csv", tmp_path / f"{kind}.csv")
    call_command("import_book", "alpha", str(tmp_path))
    out = capsys.readouterr().out
    assert "read prices.csv: 5 rows" in out and "Imported 4 securities, 5 prices." in out
    assert counts_in(ready_a)["Price"] == 5
    with firm_scope(ready_a):
        run = m.ImportRun.objects.get()
        assert (run.source, run.ok, run.created_by) == ("command", True, None)


def test_the_command_prints_every_problem_and_fails_without_writing(ready_a, tmp_path, capsys):
    shutil.copy(GOOD / "securities.csv", tmp_path / "securities.csv")
    (tmp_path / "prices.csv").write_text(with_line(BAD_PRICE, 5, "2024-11-20,NOPE,1"))
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_book", "alpha", str(tmp_path))
    err = capsys.readouterr().err
    assert 'prices.csv row 3, close: "abc" is not a number' in err
    assert 'prices.csv row 5, symbol: unknown symbol "NOPE"' in err
    assert counts_in(ready_a)["Security"] == 0


def test_the_command_names_an_unknown_firm_and_an_empty_folder(ready_a, tmp_path):
    with pytest.raises(CommandError, match="No firm with slug 'nope'"):
        call_command("import_book", "nope", str(tmp_path))
    with pytest.raises(CommandError, match="holds none of"):
        call_command("import_book", "alpha", str(tmp_path))


# --- web page ---------------------------------------------------------------------------


def test_ops_imports_through_the_page_and_sees_the_counts(ready_a, members_a, login):
    client = login(members_a["ops"])
    response = client.post(reverse("portfolios:import"), uploads(good_files()), follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        "Imported securities.csv: 4 rows, prices.csv: 5 rows, models.csv: 5 rows, "
        "accounts.csv: 3 rows, positions.csv: 6 rows, lots.csv: 6 rows, "
        "transactions.csv: 3 rows." in body
    )
    assert 'badge ok">imported' in body  # the run is listed under recent imports
    assert counts_in(ready_a)["Account"] == 3


def test_a_bad_file_on_the_page_shows_the_row_numbered_table_and_writes_nothing(
    ready_a, members_a, login
):
    files = good_files() | {"prices": BAD_PRICE}
    response = login(members_a["ops"]).post(reverse("portfolios:import"), uploads(files))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Import refused: 1 problem" in body
    assert (
        '<td>prices.csv</td><td class="num">3</td><td>close</td>'
        "<td>&quot;abc&quot; is not a number</td>" in body
    )
    assert counts_in(ready_a)["Security"] == 0


def test_the_page_lists_the_form_fields_for_every_kind(ready_a, members_a, login):
    body = login(members_a["advisor"]).get(reverse("portfolios:import")).content.decode()
    for kind in GOOD_COUNTS:
        assert f'<label for="id_{kind}">{kind}.csv</label>' in body and f'name="{kind}"' in body
    assert 'enctype="multipart/form-data"' in body and "csrfmiddlewaretoken" in body


@pytest.mark.parametrize("role", [Role.CLIENT, Role.COMPLIANCE_OFFICER, Role.COMMITTEE_MEMBER])
def test_roles_without_import_rights_get_403_on_the_page(ready_a, login, role):
    with firm_scope(ready_a):
        member = member_create(firm=ready_a, email=f"x-{role}@alpha.test", role=role)
    client = login(member)
    assert client.get(reverse("portfolios:import")).status_code == 403
    assert client.post(reverse("portfolios:import"), uploads(good_files())).status_code == 403
    assert counts_in(ready_a)["Security"] == 0


# --- API --------------------------------------------------------------------------------


def token_client(client, membership):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {api_token_create(membership.user)}"
    return client


def test_the_api_imports_and_answers_201_with_counts(ready_a, members_a, client):
    response = token_client(client, members_a["ops"]).post(
        "/api/book/import/", uploads(good_files())
    )
    with firm_scope(ready_a):
        run_id = m.ImportRun.objects.get().pk
    assert response.status_code == 201 and response.json() == {
        "import_run": run_id,
        "counts": GOOD_COUNTS,
        "unknown_gain_sells": 1,
        "ignored_columns": {},
        "notes": [
            "transactions.csv: 1 sell with neither realized_gain nor cost_basis: "
            "the gain is unknown, "
            "so the wash-sale check treats each as a possible loss"
        ],
    }
    with firm_scope(ready_a):
        assert m.ImportRun.objects.get().source == "api"


def test_the_api_refuses_with_400_and_every_error(ready_a, members_a, client):
    files = good_files() | {
        "prices": BAD_PRICE,
        "positions": with_line(good_files()["positions"], 2, "A-1001,VTI,-5"),
    }
    response = token_client(client, members_a["firm_admin"]).post(
        "/api/book/import/", uploads(files)
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"file": "prices.csv", "row": 3, "column": "close", "message": '"abc" is not a number'},
            {
                "file": "positions.csv",
                "row": 2,
                "column": "quantity",
                "message": "quantity must not be negative, got -5",
            },
        ],
        "error_count": 2,
    }
    assert counts_in(ready_a)["Security"] == 0


def test_the_api_with_no_file_is_a_400(ready_a, members_a, client):
    response = token_client(client, members_a["ops"]).post("/api/book/import/", {})
    assert (
        response.status_code == 400
        and "Attach at least one CSV file" in response.json()["errors"][0]["message"]
    )


@pytest.mark.parametrize("role", [Role.COMPLIANCE_OFFICER, Role.CLIENT])
def test_the_api_refuses_roles_without_import_rights(ready_a, client, role):
    with firm_scope(ready_a):
        member = member_create(firm=ready_a, email=f"x-{role}@alpha.test", role=role)
    response = token_client(client, member).post("/api/book/import/", uploads(good_files()))
    assert response.status_code == 403 and counts_in(ready_a)["Security"] == 0


def test_the_api_without_credentials_is_refused(ready_a, client):
    assert client.post("/api/book/import/", uploads(good_files())).status_code in (401, 403)


def test_an_import_by_firm_a_never_touches_firm_b(ready_a, members_a, firm_b, client):
    with firm_scope(firm_b):
        book_b = make_book(firm_b, accounts=2)  # VTI and BND exist in firm B too
        b_before = book_counts()
        b_vti_name = m.Security.objects.get(symbol="VTI").name
    api = token_client(client, members_a["ops"])
    assert api.post("/api/book/import/", uploads(good_files())).status_code == 201

    b_number = book_b["accounts"][0].number
    response = api.post(
        "/api/book/import/",
        uploads({"positions": f"account_number,symbol,quantity\n{b_number},VTI,1\n"}),
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "file": "positions.csv",
            "row": 2,
            "column": "account_number",
            "message": f'unknown account "{b_number}"',
        }
    ]
    with firm_scope(firm_b):
        assert book_counts() == b_before
        assert m.Security.objects.get(symbol="VTI").name == b_vti_name
        assert not m.ImportRun.objects.exists()
    assert counts_in(ready_a)["Security"] == 4


def test_the_schema_documents_one_file_field_per_kind(client):
    from portfolios.api import BookUploadSerializer
    from portfolios.importer.formats import all_kinds

    assert list(BookUploadSerializer().fields) == list(all_kinds())  # the book and set-up files
    assert set(GOOD_COUNTS) < set(all_kinds())
    schema = client.get("/api/schema/").content.decode()
    assert "/api/book/import/" in schema and "ImportRefused" in schema
