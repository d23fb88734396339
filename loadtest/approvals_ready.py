"""Load-test only: put one approval at the client step for every account of the load's client
logins (client1..5@<firm>.demo), through the product's own services, so clients approve under
load. Per account:

- an approval already waiting for the client: kept;
- a pending approval whose window closed: expired (approval_expire), then treated as none;
- none pending: the account's advisor starts a cash-raise proposal (proposal_create_cash, as
  on the account page), compliance checks it (proposals_check) and it is routed (approvals_start);
- internal steps before the client's (advisor pre-approval, senior review) are approved by a
  member allowed to (step_approve, as on the approval page), which opens the client step.

Idempotent: a second run only replaces the approvals a load test consumed. Prints the
approvals waiting per firm. Run inside the load database: `python loadtest/approvals_ready.py
[OUT.json]` (writes
{"waiting": n})."""

import json
import os
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rebalance_site.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from approvals.choices import ApprovalStatus, StepRole, StepStatus  # noqa: E402
from approvals.models import Approval  # noqa: E402
from approvals.selectors import STEP_ACTORS  # noqa: E402
from approvals.services import ApprovalRefused, approval_expire, approvals_start, step_approve  # noqa: E402
from compliance.services.checks import proposals_check  # noqa: E402
from drift.choices import ProposalKind, ProposalStatus  # noqa: E402
from drift.models import Proposal  # noqa: E402
from drift.services.advisor import RebalanceRefused, proposal_create_cash  # noqa: E402
from firms.choices import Role  # noqa: E402
from firms.models import Membership  # noqa: E402
from firms.selectors import firm_by_slug  # noqa: E402
from firms.services.tenancy import firm_scope  # noqa: E402
from portfolios.models import Account  # noqa: E402
from portfolios.selectors import latest_price_date  # noqa: E402

FIRMS = ("harbor", "summit", "cedar")
CLIENT_LOGINS = 5
RAISE = Decimal("2500.00")  # cash the client is asked to approve raising (sells)


def _pending(account) -> Approval | None:
    return (
        Approval.objects.filter(proposal__account=account, status=ApprovalStatus.PENDING)
        .select_related("proposal__account")
        .order_by("-started_at")
        .first()
    )


def _blocked_today(account) -> bool:
    """This script's cash raise of the latest prices was blocked or flagged (left for a
    compliance officer) by compliance: not again."""
    latest = Proposal.objects.filter(account=account).order_by("-version").first()
    return bool(
        latest
        and latest.status in (ProposalStatus.BLOCKED, ProposalStatus.FLAGGED)
        and latest.kind == ProposalKind.CASH_RAISE
        and latest.as_of == latest_price_date()
    )


def _latest_status(account) -> str:
    return (
        Proposal.objects.filter(account=account)
        .order_by("-version")
        .values_list("status", flat=True)
        .first()
    )


def _client_active(approval) -> bool:
    return approval.steps.filter(role=StepRole.CLIENT, status=StepStatus.ACTIVE).exists()


def _decider(step, account) -> Membership | None:
    """Who approves an internal step: the account's own advisor for pre-approval, else a member
    holding an allowed role (senior advisor before firm administrator)."""
    if step.role == StepRole.ADVISOR and account.advisor_id:
        return account.advisor
    for role in (Role.SENIOR_ADVISOR, Role.FIRM_ADMIN, Role.ADVISOR):
        if role in STEP_ACTORS.get(step.role, ()):
            member = Membership.objects.filter(role=role).order_by("pk").first()
            if member:
                return member
    return None


def _advance(approval, account, now) -> bool:
    """Approve every internal step before the client's. False when one cannot be (committee)."""
    while True:
        step = approval.steps.filter(status=StepStatus.ACTIVE).order_by("position").first()
        if step is None or step.role == StepRole.CLIENT:
            return step is not None
        member = _decider(step, account)
        if member is None or step.role == StepRole.COMMITTEE:
            return False
        step_approve(
            approval_id=approval.pk,
            step_id=step.pk,
            membership=member,
            now=now,
            comment="load-test preparation",
        )


def firm_ready(slug: str) -> tuple[int, list[str]]:
    firm = firm_by_slug(slug)
    skipped = []
    with firm_scope(firm):
        emails = [f"client{n}@{slug}.demo" for n in range(1, CLIENT_LOGINS + 1)]
        accounts = list(
            Account.objects.filter(client__user__email__in=emails)
            .select_related("advisor")
            .order_by("number")
        )
        now = timezone.now()
        started = []
        for account in accounts:
            approval = _pending(account)
            if approval is not None and now >= approval.deadline:
                approval_expire(approval_id=approval.pk, now=now)
                approval = None
            if approval is None and _blocked_today(account):
                skipped.append(
                    f"{account.number}: compliance {_latest_status(account)} today's cash raise"
                )
                continue
            if approval is None:
                try:
                    proposal = proposal_create_cash(
                        account=account,
                        kind=ProposalKind.CASH_RAISE,
                        amount=RAISE,
                        actor=account.advisor,
                    )
                except RebalanceRefused as exc:
                    skipped.append(f"{account.number}: {exc}")
                    continue
                started.append(proposal.pk)
        if started:
            proposals_check(firm_id=firm.pk, proposal_ids=started)
            approvals_start(firm_id=firm.pk, now=now, proposal_ids=started)
        waiting = 0
        for account in accounts:
            approval = _pending(account)
            if approval is None:
                if not _blocked_today(account):
                    skipped.append(f"{account.number}: not routed")
                continue
            try:
                ready = _client_active(approval) or _advance(approval, account, now)
            except ApprovalRefused as exc:
                skipped.append(f"{account.number}: {exc}")
                continue
            if ready:
                waiting += 1
            else:
                skipped.append(
                    f"{account.number}: an internal step this script cannot take ({approval.tier})"
                )
    return waiting, skipped


if __name__ == "__main__":
    total = 0
    for slug in FIRMS:
        waiting, skipped = firm_ready(slug)
        total += waiting
        print(
            f"{slug}: {waiting} approvals waiting for the client"
            + "".join(f"\n  skipped {s}" for s in skipped)
        )
    if len(sys.argv) > 1:  # for the Locust run: how many approvals to pace over it
        Path(sys.argv[1]).write_text(json.dumps({"waiting": total}))
