"""A proposal lived end to end through the real services: scan, compliance checks, routing
(advisor pre-approval then the client), the advisor's approval, the client's e-signature and
signed PDF, the 9:45 batch with fills, and the client's trade confirmation."""

from datetime import date
from decimal import Decimal

import pytest

from firms.services.tenancy import firm_scope
from portfolios import models as pm
from tests.approvals.helpers import _client_user
from tests.factories import make_book
from tests.trading.helpers import SCAN_DAY, TRADE_DAY, ny

ALL_FILL = {"seed": 1, "reject_rate": 0.0, "partial_rate": 0.0}


def live_a_proposal(firm, advisor, *, batch=True) -> dict:
    from approvals.choices import StepRole
    from approvals.models import Approval, ApprovalStep, Signature
    from approvals.selectors import routing_rules_get
    from approvals.services import approval_client_approve, approvals_start, step_approve
    from approvals.services.decisions import Evidence
    from approvals.services.signed_pdf import signature_pdf_store
    from compliance.services.checks import proposals_check
    from drift.models import Proposal
    from drift.services.scan import drift_scan_run
    from trading.services.batch import batch_run
    from trading.services.confirmations import confirmations_hand_over

    with firm_scope(firm):
        book = make_book(firm, accounts=1, advisor=advisor, day=SCAN_DAY)
        pm.Account.objects.update(segment="conservative")
        cust = book["custodian"]
        for pos in pm.Position.objects.all():
            pm.TaxLot.objects.create(
                firm=firm,
                account_id=pos.account_id,
                security_id=pos.security_id,
                acquired_on=date(2024, 1, 2),
                quantity=pos.quantity,
                cost_basis=pos.quantity * 40,
            )
        for sec in (book["stock"], book["bond"]):
            pm.CustodianSecurity.objects.create(firm=firm, custodian=cust, security=sec)
        account = book["accounts"][0]
        client = _client_user(firm, account.client)
        drift_scan_run(firm_id=firm.pk, as_of=SCAN_DAY)
        proposal = Proposal.objects.get()
        proposals_check(firm_id=firm.pk, proposal_ids=[proposal.pk])
        for rule in routing_rules_get(firm_id=firm.pk):
            rule.steps = [StepRole.ADVISOR, StepRole.CLIENT]
            rule.save(update_fields=["steps"])
        approvals_start(firm_id=firm.pk, now=ny(SCAN_DAY, 17, 10))
        approval = Approval.objects.get(proposal=proposal)
        step = ApprovalStep.objects.get(approval=approval, role=StepRole.ADVISOR)
        step_approve(
            approval_id=approval.pk,
            step_id=step.pk,
            membership=advisor,
            now=ny(SCAN_DAY, 17, 30),
            comment="Fits the plan.",
        )
        approval_client_approve(
            approval_id=approval.pk,
            user=client.user,
            evidence=Evidence(
                typed_name=account.client.name,
                ip_address="203.0.113.7",
                user_agent="pytest",
                auth_method="password",
                shown_hash=approval.content_hash,
            ),
            now=ny(SCAN_DAY, 18, 0),
        )
        signature = Signature.objects.get(approval=approval)
        assert signature_pdf_store(signature.pk)
        if batch:
            batch_run(firm_id=firm.pk, trade_date=TRADE_DAY)
            confirmations_hand_over(firm_id=firm.pk)
        proposal.refresh_from_db()
        approval.refresh_from_db()
        signature.refresh_from_db()
    return {
        "book": book,
        "account": account,
        "client": client,
        "proposal": proposal,
        "approval": approval,
        "signature": signature,
    }


@pytest.fixture
def lived(firm_a, members_a, settings, tmp_path):
    settings.TRADING_SIMULATED = ALL_FILL
    settings.MEDIA_ROOT = tmp_path / "media"
    return live_a_proposal(firm_a, members_a["advisor"])


__all__ = ["ALL_FILL", "Decimal", "TRADE_DAY", "live_a_proposal"]
