"""The reconciliation page, API and task: who may do what, uploads, accept / resolve, filters,
and a constant number of queries whatever the number of breaks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from firms.choices import RECONCILIATION_ROLES, RECONCILIATION_VIEW_ROLES, Role
from firms.models import AuditEntry
from firms.services.api_tokens import api_token_create
from portfolios.models import Position
from reconciliation.models import ReconciliationBreak, ReconciliationRun
from reconciliation.tasks import reconcile_stored_file

from .helpers import DAY, book_rows, csv_bytes, every_kind_rows, recon_book, upload

pytestmark = pytest.mark.django_db
STAFF = [r for r in Role.values if r != Role.CLIENT]


def _post_file(client, book, rows):
    return client.post(
        reverse("reconciliation:breaks"),
        {"custodian": book["custodian"].code, "as_of": DAY.isoformat(), "file": upload(rows)},
    )


@pytest.mark.parametrize("role", STAFF)
def test_the_page_is_for_ops_admins_and_compliance_and_only_ops_and_admins_change(
    scoped, members_a, login, role
):
    book = recon_book(scoped)
    client = login(members_a[role])
    page = client.get(reverse("reconciliation:breaks"))
    if role not in RECONCILIATION_VIEW_ROLES:
        assert page.status_code == 403
    else:
        assert page.status_code == 200
        assert ("Reconcile a day's file" in page.content.decode()) is (role in RECONCILIATION_ROLES)
    posted = _post_file(client, book, every_kind_rows(book))
    assert (posted.status_code == 302) is (role in RECONCILIATION_ROLES)
    if role not in RECONCILIATION_ROLES:
        assert posted.status_code == 403 and not ReconciliationRun.objects.exists()
        return
    found = ReconciliationBreak.objects.get(kind="quantity")
    assert client.post(reverse("reconciliation:accept", args=[found.pk])).status_code == 302
    assert ReconciliationBreak.objects.get(pk=found.pk).status == "accepted"


def test_a_compliance_officer_cannot_accept_or_resolve(scoped, members_a, login):
    book = recon_book(scoped)
    login(members_a[Role.OPS])
    assert _post_file(login(members_a[Role.OPS]), book, every_kind_rows(book)).status_code == 302
    found = ReconciliationBreak.objects.get(kind="quantity")
    client = login(members_a[Role.COMPLIANCE_OFFICER])
    assert client.post(reverse("reconciliation:accept", args=[found.pk])).status_code == 403
    r = client.post(reverse("reconciliation:resolve", args=[found.pk]), {"reason": "x"})
    assert r.status_code == 403
    assert ReconciliationBreak.objects.get(pk=found.pk).status == "open"


def test_the_page_lists_breaks_with_size_resolves_and_filters(scoped, members_a, login):
    book = recon_book(scoped)
    client = login(members_a[Role.OPS])
    assert _post_file(client, book, every_kind_rows(book)).status_code == 302
    page = client.get(reverse("reconciliation:breaks")).content.decode()
    for text in ("R-9999", "Security unknown to the firm", "-$1,000.00", "-$66,000.00", "no price"):
        assert text in page
    unknown = ReconciliationBreak.objects.get(kind="unknown_security")
    url = reverse("reconciliation:resolve", args=[unknown.pk])
    refused = client.post(url, {"reason": ""}, follow=True).content.decode()
    assert "needs a written reason" in refused
    client.post(url, {"reason": "XYZ is a money-market sweep; added to securities.csv"})
    assert ReconciliationBreak.objects.get(pk=unknown.pk).status == "resolved"
    refused = client.post(
        reverse("reconciliation:accept", args=[unknown.pk]), follow=True
    ).content.decode()
    assert "no longer open" in refused
    open_page = client.get(reverse("reconciliation:breaks")).content.decode()
    assert "XYZ" not in open_page and "R-9999" in open_page
    closed = client.get(reverse("reconciliation:breaks"), {"status": "closed"}).content.decode()
    assert "XYZ" in closed and "money-market sweep" in closed and "R-9999" not in closed
    one = client.get(reverse("reconciliation:breaks"), {"account": "r-1003"}).content.decode()
    assert "R-1003" in one and "R-9999" not in one


def test_a_refused_file_is_shown_by_row_and_column(scoped, members_a, login):
    book = recon_book(scoped)
    client = login(members_a[Role.FIRM_ADMIN])
    page = _post_file(client, book, [("R-1001", "VTI", "abc")]).content.decode()
    assert "File refused: 1 problem" in page and "&quot;abc&quot; is not a number" in page
    assert not ReconciliationBreak.objects.exists()


def test_the_page_costs_the_same_queries_for_few_and_many_breaks(scoped, members_a, login):
    book = recon_book(scoped, accounts=3)
    client = login(members_a[Role.OPS])
    rows = book_rows(book)
    rows[0] = ("R-1001", "VTI", "1")
    _post_file(client, book, rows)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("reconciliation:breaks")).status_code == 200
    many = [*every_kind_rows(book), *((f"R-{n}", "VTI", "1") for n in range(5000, 5040))]
    assert _post_file(client, book, many).status_code == 302
    assert ReconciliationBreak.objects.filter(status="open").count() > 40
    with CaptureQueriesContext(connection) as more:
        page = client.get(reverse("reconciliation:breaks")).content.decode()
    assert page.count("Accept custodian") >= 5 and len(more) == len(few)


# --- API ------------------------------------------------------------------------------------


def _auth(member) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {api_token_create(member.user)}"}


def _api_upload(client, member, book, rows, **extra):
    body = {"custodian": book["custodian"].code, "as_of": DAY.isoformat(), "file": upload(rows)}
    return client.post(reverse("reconciliation-upload"), {**body, **extra}, **_auth(member))


def test_the_api_uploads_lists_filters_accepts_and_resolves(scoped, members_a, client):
    book = recon_book(scoped)
    ops = members_a[Role.OPS]
    r = _api_upload(client, ops, book, every_kind_rows(book))
    assert r.status_code == 201, r.content
    assert r.json()["counts"]["breaks"] == 7
    listed = client.get("/api/reconciliation/breaks/", **_auth(ops)).json()
    assert listed["count"] == 7
    row = next(b for b in listed["results"] if b["kind"] == "quantity")
    assert row["market_value"] == "-1000.00" and row["quantity_difference"] == "-10.000000"
    by_account = client.get(
        "/api/reconciliation/breaks/", {"account": "R-1003"}, **_auth(ops)
    ).json()
    assert by_account["count"] == 3
    assert (
        client.get("/api/reconciliation/breaks/", {"date": "2026-11-23"}, **_auth(ops)).json()[
            "count"
        ]
        == 0
    )
    bad = client.get("/api/reconciliation/breaks/", {"date": "24/11/2026"}, **_auth(ops))
    assert bad.status_code == 400 and "date" in bad.json()
    accept = client.post(f"/api/reconciliation/breaks/{row['id']}/accept/", **_auth(ops))
    assert accept.status_code == 200 and accept.json()["status"] == "accepted"
    assert Position.objects.get(account__number="R-1001", security=book["stock"]).quantity == 650
    unknown = ReconciliationBreak.objects.get(kind="unknown_security")
    cannot = client.post(f"/api/reconciliation/breaks/{unknown.pk}/accept/", **_auth(ops))
    assert cannot.status_code == 409 and "Import it" in cannot.json()["detail"]
    no_reason = client.post(
        f"/api/reconciliation/breaks/{unknown.pk}/resolve/",
        {"reason": ""},
        content_type="application/json",
        **_auth(ops),
    )
    assert no_reason.status_code == 400
    resolved = client.post(
        f"/api/reconciliation/breaks/{unknown.pk}/resolve/",
        {"reason": "sweep fund"},
        content_type="application/json",
        **_auth(ops),
    )
    assert resolved.status_code == 200 and resolved.json()["resolution"] == "sweep fund"
    closed = client.get("/api/reconciliation/breaks/", {"status": "closed"}, **_auth(ops)).json()
    assert {b["status"] for b in closed["results"]} == {"accepted", "resolved"}
    runs = client.get("/api/reconciliation/runs/", **_auth(ops)).json()
    assert runs["count"] == 1 and runs["results"][0]["counts"]["breaks"] == 7


def test_the_api_refuses_a_bad_file_by_row_and_column(scoped, members_a, client):
    book = recon_book(scoped)
    r = _api_upload(client, members_a[Role.OPS], book, [("R-1001", "VTI", "-1")])
    assert r.status_code == 400
    assert r.json()["errors"][0] == {
        "file": "positions.csv",
        "row": 2,
        "column": "quantity",
        "message": "quantity must not be negative, got -1",
    }
    r = _api_upload(client, members_a[Role.OPS], book, book_rows(book), custodian="elsewhere")
    assert r.status_code == 400 and r.json()["errors"][0]["column"] == "custodian"


@pytest.mark.parametrize("role", STAFF)
def test_the_api_roles(scoped, members_a, client, role):
    book = recon_book(scoped)
    member = members_a[role]
    listed = client.get("/api/reconciliation/breaks/", **_auth(member))
    assert (listed.status_code == 200) is (role in RECONCILIATION_VIEW_ROLES)
    posted = _api_upload(client, member, book, every_kind_rows(book))
    assert (posted.status_code == 201) is (role in RECONCILIATION_ROLES)
    if role not in RECONCILIATION_ROLES:
        assert posted.status_code == 403
        _api_upload(client, members_a[Role.OPS], book, every_kind_rows(book))
    found = ReconciliationBreak.objects.get(kind="quantity")
    r = client.post(f"/api/reconciliation/breaks/{found.pk}/accept/", **_auth(member))
    assert r.status_code == (200 if role in RECONCILIATION_ROLES else 403)


# --- the task -------------------------------------------------------------------------------


def test_the_task_reconciles_a_file_from_the_firms_inbox(scoped, settings, tmp_path):
    book = recon_book(scoped)
    settings.RECONCILIATION_INBOX = tmp_path
    inbox = tmp_path / str(scoped.pk)
    inbox.mkdir()
    (inbox / "custodian-2026-11-24.csv").write_bytes(csv_bytes(every_kind_rows(book)))
    kwargs = {
        "firm_id": scoped.pk,
        "custodian_code": book["custodian"].code,
        "as_of": DAY.isoformat(),
        "name": "custodian-2026-11-24.csv",
    }
    out = reconcile_stored_file.apply(kwargs=kwargs).get()
    assert out["ok"] and out["counts"]["breaks"] == 7
    assert ReconciliationRun.objects.get().source == "task"
    assert AuditEntry.objects.get(event="reconciliation.run").actor_label == "system"
    missing = reconcile_stored_file.apply(kwargs={**kwargs, "name": "nope.csv"}).get()
    assert not missing["ok"] and "nope.csv was not found" in missing["errors"][0]
    with pytest.raises(ValueError, match="not a file name"):
        reconcile_stored_file.apply(kwargs={**kwargs, "name": "../x.csv"}).get()
