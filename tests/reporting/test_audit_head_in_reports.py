"""The monthly report and the evidence pack carry the firm's signed audit head,
one more copy of the anchor outside the database."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from firms.services.audit import heads_published
from firms.services.tenancy import firm_scope

pytestmark = pytest.mark.django_db


def test_the_monthly_report_carries_the_signed_head_published_for_it(firm_a, report_a):
    with firm_scope(firm_a):
        heads = heads_published(firm_id=firm_a.pk)
    assert heads  # published when the report was made
    with report_a.csv.open("rb") as fh:
        csv = fh.read().decode()
    head = heads[-1]
    assert f"audit,{head['seq']},{head['hash']},{head['count']}" in csv and head["signature"] in csv


def test_the_evidence_pack_carries_the_signed_head(login, members_a, month_a, firm_a):
    _, proposals = month_a
    response = login(members_a["compliance_officer"]).get(
        reverse("reporting:evidence_pack", args=[proposals[0].pk])
    )
    head = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("audit_head.json"))
    with firm_scope(firm_a):
        assert head in [
            {k: v for k, v in h.items() if k != "in_table"}
            for h in heads_published(firm_id=firm_a.pk)
        ]
    assert head["firm"] == firm_a.pk and len(head["signature"]) == 64
