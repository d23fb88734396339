"""Re-scan after an import: the import page offers it; the button audits the request and
publishes the drift.tasks.drift_rescan task on the real queue; the task scans the accounts the
import changed (their households), or the whole firm after prices, securities, models or
drift rules, and writes their snapshots of the day again."""

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from drift.models import DriftSnapshot, ScanRun
from drift.services.rescan import drift_rescan, rescan_date
from drift.tasks import drift_rescan as drift_rescan_task
from firms.choices import Role
from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from portfolios.importer import KINDS
from tests.setup.helpers import SAMPLES, seeded

pytestmark = pytest.mark.django_db


def _queued() -> int:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery")


def _upload(client, kinds):
    files = {kind: (SAMPLES / f"{kind}.csv").open("rb") for kind in kinds}
    try:
        return client.post(reverse("portfolios:import"), files)
    finally:
        for f in files.values():
            f.close()


def test_import_then_rescan_from_the_page(login, firm_a, members_a):
    seeded(firm_a)
    client = login(members_a[Role.OPS])
    response = _upload(client, KINDS)
    assert response.status_code == 302 and "?run=" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Re-scan the firm" in page  # prices and models were imported: every account
    with firm_scope(firm_a):
        run = pm.ImportRun.objects.get(ok=True)
    assert run.changes_firm_wide and run.changed_account_ids == []
    before = _queued()
    done = client.post(reverse("drift:rescan", args=[run.pk]))
    assert done.status_code == 302 and done["Location"] == reverse("drift:drifted")
    assert _queued() == before + 1  # on the real queue, for a worker
    with firm_scope(firm_a):
        asked = AuditEntry.objects.get(event="drift.rescan_requested")
    assert asked.payload["scope"] == "firm"
    # What the worker runs: the same scan as the beat's, for every account.
    counts = drift_rescan_task.apply(
        kwargs={"firm_id": firm_a.pk, "as_of": asked.payload["as_of"], "account_ids": None}
    ).get()
    assert counts["accounts"] == 5
    drifted = client.get(reverse("drift:drifted")).content.decode()
    assert "S-1001" in drifted and "S-3001" in drifted and "S-1002" not in drifted
    with firm_scope(firm_a):
        assert not ScanRun.objects.exists()  # the beat's own run of the day still happens
        assert AuditEntry.objects.filter(event="drift.rescan_done").count() == 1


def test_a_rescan_covers_only_the_changed_accounts_and_their_households(firm_a):
    from portfolios.importer import book_import

    seeded(firm_a)
    with firm_scope(firm_a):
        files = {kind: (SAMPLES / f"{kind}.csv").read_bytes() for kind in KINDS}
        assert book_import(firm=firm_a, files=files, source="command").ok
        as_of = rescan_date()
        positions = b"account_number,symbol,quantity\nS-2001,VTI,300\n"
        result = book_import(firm=firm_a, files={"positions": positions}, source="web")
        run = pm.ImportRun.objects.get(pk=result.run_id)
        assert not run.changes_firm_wide
        s2001, s2002 = (pm.Account.objects.get(number=n).pk for n in ("S-2001", "S-2002"))
        assert run.changed_account_ids == [s2001]
        counts = drift_rescan(firm_id=firm_a.pk, as_of=as_of, account_ids=run.changed_account_ids)
        # S-2002 belongs to the same client: scanned with it; nobody else.
        assert counts["accounts"] == 2
        assert set(DriftSnapshot.objects.values_list("account_id", flat=True)) == {s2001, s2002}
        first = DriftSnapshot.objects.get(account_id=s2001).total_value
        pm.Position.objects.filter(account_id=s2001, security__symbol="VTI").update(quantity=30)
        drift_rescan(firm_id=firm_a.pk, as_of=as_of, account_ids=[s2001])
        assert DriftSnapshot.objects.get(account_id=s2001).total_value != first  # written again


def test_another_firms_import_cannot_be_rescanned(login, firm_a, firm_b, members_a):
    with firm_scope(firm_b):
        other = pm.ImportRun.objects.create(firm=firm_b, source="web", ok=True)
    before = _queued()
    response = login(members_a[Role.FIRM_ADMIN]).post(reverse("drift:rescan", args=[other.pk]))
    assert response.status_code == 404 and _queued() == before


def test_a_refused_import_offers_no_rescan_and_a_client_role_cannot(login, firm_a, members_a):
    with firm_scope(firm_a):
        refused = pm.ImportRun.objects.create(firm=firm_a, source="web", ok=False)
    admin = login(members_a[Role.FIRM_ADMIN])
    assert admin.post(reverse("drift:rescan", args=[refused.pk])).status_code == 404
    compliance = login(members_a[Role.COMPLIANCE_OFFICER])
    assert compliance.post(reverse("drift:rescan", args=[refused.pk])).status_code == 403


def test_rescan_through_the_api(client, firm_a, members_a):
    from firms.services.api_tokens import api_token_create

    seeded(firm_a)
    auth = {"HTTP_AUTHORIZATION": f"Token {api_token_create(members_a[Role.OPS].user)}"}
    files = {kind: (SAMPLES / f"{kind}.csv").open("rb") for kind in ("accounts", "positions")}
    with firm_scope(firm_a):
        from portfolios.importer import book_import

        book = {k: (SAMPLES / f"{k}.csv").read_bytes() for k in ("securities", "prices", "models")}
        assert book_import(firm=firm_a, files=book, source="command").ok
    imported = client.post("/api/book/import/", files, **auth)
    for f in files.values():
        f.close()
    assert imported.status_code == 201, imported.content
    run_id = imported.json()["import_run"]
    response = client.post(f"/api/drift/imports/{run_id}/rescan/", **auth)
    assert response.status_code == 202
    assert response.json()["scope"] == "accounts" and response.json()["accounts"] == 5
