"""Resending the client's portal link: a fresh link (services.links) by email, while the
client's consent is the step waiting. Audited; the earlier links stay valid until the window
closes (each is bound to the same version and content hash)."""

from datetime import datetime

from django.db import transaction

from firms.services.audit import audit_record
from firms.views import may_act_on_account

from ..choices import StepRole, StepStatus
from ..models import PortalLink
from . import notify
from .common import ApprovalRefused, Result, locked_approval, refuse_closed
from .links import portal_links_issue


def client_link_resend(*, approval_id: int, membership, now: datetime) -> Result:
    with transaction.atomic():
        approval = locked_approval(approval_id)
        account = approval.proposal.account
        if not may_act_on_account(membership, account.advisor_id):
            raise ApprovalRefused(
                "Only the account's own advisor or a firm-wide role may resend its link."
            )
        refuse_closed(approval, now)
        if not approval.steps.filter(role=StepRole.CLIENT, status=StepStatus.ACTIVE).exists():
            raise ApprovalRefused(
                "The client's consent is not the step waiting; there is no link to resend."
            )
        nth = PortalLink.objects.filter(approval=approval).count()
        url = portal_links_issue(approvals=[approval], now=now)[approval.pk]
        notify.proposal_link_resent(approval=approval, client=account.client, link=url, nth=nth)
        audit_record(
            firm_id=approval.firm_id,
            event="approval.link_resent",
            actor=membership.user,
            obj=approval,
            payload={"approval": approval.pk, "version": approval.version, "resend": nth},
        )
    return Result(approval, True, f"A new link was emailed to {account.client.email}.")
