"""A firm from `create_firm` to its first scan with nothing else: the command seeds the
defaults (simulated custodian, drift and compliance rules, routing tiers, templates), the
sample files import, and the scan finds the drifted accounts."""

from pathlib import Path

import pytest
from django.core.management import call_command

from approvals.models import RoutingRule
from drift.models import ComplianceRule, DriftRule, DriftSnapshot
from drift.services.scan import drift_scan_run
from firms.models import AuditEntry, Firm
from firms.selectors import firm_by_slug
from firms.services.setup import firm_defaults_seed
from firms.services.tenancy import firm_scope
from notifications.models import NotificationTemplate
from portfolios.importer import KINDS, book_import
from portfolios.importer.formats import setup_kinds
from portfolios.models import Custodian
from portfolios.selectors import latest_price_date

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "portfolios" / "importer" / "samples"


def sample_files(kinds) -> dict[str, bytes]:
    return {kind: (SAMPLES / f"{kind}.csv").read_bytes() for kind in kinds}


def _new_firm(slug="fresh") -> Firm:
    call_command("create_firm", "Fresh Capital", f"admin@{slug}.test", "--slug", slug)
    return firm_by_slug(slug)


def test_every_kind_has_a_sample_file():
    assert {p.stem for p in SAMPLES.glob("*.csv")} == set(KINDS) | set(setup_kinds())


def test_create_firm_seeds_the_defaults_once():
    firm = _new_firm()
    with firm_scope(firm):
        assert list(Custodian.objects.values_list("code", flat=True)) == ["simulated"]
        assert DriftRule.objects.filter(segment__isnull=True).count() == 1
        assert DriftRule.objects.count() == 4
        assert ComplianceRule.objects.count() == 4
        assert RoutingRule.objects.count() == 4
        assert NotificationTemplate.objects.count() >= 10
        assert AuditEntry.objects.filter(event="firm.defaults_seeded").count() == 1
        again = firm_defaults_seed(firm_id=firm.pk)
        assert set(again.values()) == {0}  # idempotent: nothing more, no second audit entry
        assert AuditEntry.objects.filter(event="firm.defaults_seeded").count() == 1


def test_seeding_needs_the_firms_scope(firm_a):
    with pytest.raises(RuntimeError):
        firm_defaults_seed(firm_id=firm_a.pk)


def test_create_firm_then_sample_book_then_scan_finds_drift():
    firm = _new_firm()
    with firm_scope(firm):
        result = book_import(firm=firm, files=sample_files(KINDS), source="command")
        assert result.ok, result.errors
        run = drift_scan_run(firm_id=firm.pk, as_of=latest_price_date())
        assert run.counts["accounts"] == 5
        drifted = set(
            DriftSnapshot.objects.filter(breached=True).values_list("account__number", flat=True)
        )
        assert {"S-1001", "S-2001", "S-3001"} <= drifted
        assert "S-1002" not in drifted
        assert run.counts["proposals"] >= 1


def test_the_set_up_samples_import_over_the_defaults():
    firm = _new_firm()
    with firm_scope(firm):
        result = book_import(
            firm=firm, files=sample_files((*KINDS, *setup_kinds())), source="command"
        )
        assert result.ok, result.errors
        assert DriftRule.objects.get(name="High net worth").class_overrides == {
            "alternatives": "8",
            "cash": "2",
        }
        assert Custodian.objects.count() == 2
        assert RoutingRule.objects.count() == 4  # the same names: updated, not doubled
