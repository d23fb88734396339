"""Issue 21's API path: a firm from `create_firm` to its first drifted accounts with nothing but
a token: invitations (/api/firm/invitations/), the set-up files and the book through the import
endpoint (all-or-nothing, errors by file, row and column), the re-scan endpoint (the queued task
run eagerly here), the drifted accounts read back through the snapshots endpoint."""

from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from firms.models import Membership
from firms.selectors import firm_by_slug
from firms.services.api_tokens import api_token_create
from firms.services.tenancy import firm_scope
from portfolios.importer import KINDS
from portfolios.importer.formats import setup_kinds
from portfolios.models import Custodian

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "portfolios" / "importer" / "samples"


def _post_files(client, kinds, auth, overrides=None):
    files = {kind: (SAMPLES / f"{kind}.csv").open("rb") for kind in kinds}
    try:
        files.update(overrides or {})
        return client.post("/api/book/import/", files, **auth)
    finally:
        for f in files.values():
            if hasattr(f, "close"):
                f.close()


def test_a_new_firm_goes_from_create_firm_to_drifted_accounts_with_a_token(
    client, members_b, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rebalance_site.celery import app

    call_command("create_firm", "Token Capital", "admin@token.test", "--slug", "token")
    firm = firm_by_slug("token")
    with firm_scope(firm):
        admin = Membership.objects.select_related("user").get(role="firm_admin")
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token_create(admin.user, name='onboarding')}"}

    # The administrator's token invites the operations person (the link goes by email only)
    # and revokes a mistaken invitation.
    with django_capture_on_commit_callbacks(execute=True):
        invited = client.post(
            "/api/firm/invitations/", {"email": "ops@token.test", "role": "ops"}, **auth
        )
    assert invited.status_code == 201, invited.content
    assert invited.json()["status"] == "pending" and "link" not in invited.json()
    assert mail.outbox[-1].to == ["ops@token.test"] and "/invite/" in mail.outbox[-1].body
    wrong = client.post("/api/firm/invitations/", {"email": "typo@token", "role": "ops"}, **auth)
    assert wrong.status_code == 400 and "email" in wrong.json()
    mistaken = client.post(
        "/api/firm/invitations/", {"email": "old@token.test", "role": "advisor"}, **auth
    ).json()
    revoked = client.post(f"/api/firm/invitations/{mistaken['id']}/revoke/", **auth)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    listed = client.get("/api/firm/invitations/", **auth).json()
    listed = listed["results"] if isinstance(listed, dict) else listed
    assert {(i["email"], i["status"]) for i in listed} == {
        ("ops@token.test", "pending"),
        ("old@token.test", "revoked"),
    }

    # A bad set-up file refuses the whole upload, naming file, row and column; nothing written.
    bad = SimpleUploadedFile("custodians.csv", b"code,name,fee_bps\nSchwab!,Schwab,abc\n")
    refused = _post_files(client, ["accounts"], auth, {"custodians": bad})
    assert refused.status_code == 400, refused.content
    errors = refused.json()["errors"]
    assert {"file": "custodians.csv", "row": 2, "column": "code"}.items() <= errors[0].items()
    with firm_scope(firm):
        assert list(Custodian.objects.values_list("code", flat=True)) == ["simulated"]

    imported = _post_files(client, (*KINDS, *setup_kinds()), auth)
    assert imported.status_code == 201, imported.content
    run_id = imported.json()["import_run"]
    with firm_scope(firm):
        assert Custodian.objects.count() == 2  # the seeded `simulated` and the file's

    app.conf.task_always_eager = True
    try:
        rescan = client.post(f"/api/drift/imports/{run_id}/rescan/", **auth)
    finally:
        app.conf.task_always_eager = False
    assert rescan.status_code == 202, rescan.content
    assert rescan.json()["scope"] == "firm"  # the files carried prices and models

    drifted = client.get("/api/drift/snapshots/?breached=true", **auth)
    assert drifted.status_code == 200
    rows = drifted.json()["results"] if isinstance(drifted.json(), dict) else drifted.json()
    assert {"S-1001", "S-2001", "S-3001"} <= {r["account"] for r in rows}
    assert "S-1002" not in {r["account"] for r in rows}
    # Another firm's administrator's token sees none of it, and cannot re-scan its import.
    theirs = {"HTTP_AUTHORIZATION": f"Token {api_token_create(members_b['firm_admin'].user)}"}
    seen = client.get("/api/drift/snapshots/?breached=true", **theirs).json()
    seen = seen["results"] if isinstance(seen, dict) else seen
    assert not {"S-1001", "S-2001", "S-3001"} & {r["account"] for r in seen}
    assert client.post(f"/api/drift/imports/{run_id}/rescan/", **theirs).status_code == 404
    assert (
        client.post(f"/api/firm/invitations/{mistaken['id']}/revoke/", **theirs).status_code == 404
    )
    advisor = {"HTTP_AUTHORIZATION": f"Token {api_token_create(members_b['advisor'].user)}"}
    assert client.get("/api/firm/invitations/", **advisor).status_code == 403
