"""Shared by the set-up tests: the sample files, a firm seeded as create_firm seeds it, and the
set-up tables' contents (to show a refused import wrote nothing)."""

from pathlib import Path

from approvals.models import RoutingRule
from drift.models import AccountDriftSettings, ComplianceRule, DriftRule
from firms.services.setup import firm_defaults_seed
from firms.services.tenancy import firm_scope
from notifications.models import NotificationTemplate
from portfolios import models as pm
from portfolios.importer import KINDS, book_import

SAMPLES = Path(__file__).resolve().parents[2] / "portfolios" / "importer" / "samples"
SETUP_MODELS = (
    pm.Custodian,
    pm.Substitute,
    pm.SubstantiallyIdenticalPair,
    DriftRule,
    AccountDriftSettings,
    ComplianceRule,
    RoutingRule,
    NotificationTemplate,
)


def sample_text(kind: str) -> str:
    return (SAMPLES / f"{kind}.csv").read_text()


def sample_files(kinds) -> dict[str, bytes]:
    return {kind: (SAMPLES / f"{kind}.csv").read_bytes() for kind in kinds}


def seeded(firm):
    """The firm with create_firm's defaults."""
    with firm_scope(firm):
        firm_defaults_seed(firm_id=firm.pk)
    return firm


def with_book(firm):
    """The sample book imported into the (seeded) firm."""
    with firm_scope(firm):
        result = book_import(firm=firm, files=sample_files(KINDS), source="command")
    assert result.ok, result.errors
    return firm


def setup_state() -> dict:
    """Every set-up row, field by field (inside a firm's scope)."""
    return {
        model._meta.label: sorted(
            tuple(sorted((k, str(v)) for k, v in row.items())) for row in model.objects.values()
        )
        for model in SETUP_MODELS
    }
