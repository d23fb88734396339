"""Shared setup for approvals and portal tests: checked proposals ready to route."""

from datetime import UTC, date, datetime, timezone
from decimal import Decimal

from drift.choices import ProposalStatus
from drift.models import Proposal
from drift.services.scan import drift_scan_run
from firms.choices import Role
from firms.services.members import member_create
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from tests.conftest import PASSWORD
from tests.factories import make_book

DAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wed 10:00 New York


def checked(
    firm, *, n=1, advisor=None, value=None, registration=None, flags=None, client_users=True
):
    """`n` accounts drifted and scanned; their proposals moved to CHECKED (compliance's job).
    Call outside a scope. Returns (book, proposal ids)."""
    with firm_scope(firm):
        book = make_book(firm, accounts=n, advisor=advisor)
        pm.Account.objects.update(
            segment="conservative", **({"registration": registration} if registration else {})
        )
        drift_scan_run(firm_id=firm.pk, as_of=DAY)
        qs = Proposal.objects.all()
        updates = {"status": ProposalStatus.CHECKED}
        if value is not None:
            updates["total_value"] = Decimal(value)
        qs.update(**updates)
        _cleared(firm, qs)
        if flags:
            for p in qs:
                p.flags = {**p.flags, **flags}
                p.save(update_fields=["flags"])
        if client_users:
            for account in book["accounts"]:
                _client_user(firm, account.client)
        return book, list(qs.order_by("pk").values_list("pk", flat=True))


def _cleared(firm, proposals):
    """What compliance's checks record for a clear proposal (the routing gate reads it)."""
    from compliance.choices import ReviewStatus
    from compliance.models import ComplianceReview

    ComplianceReview.objects.bulk_create(
        [
            ComplianceReview(firm=firm, proposal=p, status=ReviewStatus.CLEAR, checked_at=NOW)
            for p in proposals
        ],
        update_conflicts=True,
        unique_fields=["firm", "proposal"],
        update_fields=["status"],
    )


def _client_user(firm, client):
    member = member_create(
        firm=firm, email=client.email, role=Role.CLIENT, password=PASSWORD, name=client.name
    )
    client.user = member.user
    client.save(update_fields=["user"])
    return member


def approval_for_book(book):
    """The approval of the book's first proposal (routing it if needed). Call inside its scope."""
    from approvals.models import Approval
    from approvals.services import approvals_start

    firm_id = book["model"].firm_id
    drafts = list(Proposal.objects.filter(status=ProposalStatus.DRAFT).select_related("firm"))
    if drafts:
        _cleared(drafts[0].firm, drafts)
        Proposal.objects.filter(pk__in=[p.pk for p in drafts]).update(status=ProposalStatus.CHECKED)
    approvals_start(firm_id=firm_id, now=datetime.now(UTC))
    return Approval.objects.order_by("pk").first().pk


def step_for_book(book):
    from approvals.models import ApprovalStep

    return ApprovalStep.objects.get(approval_id=approval_for_book(book), position=0).pk


def routing_rule_for_book(book):
    from approvals.selectors import routing_rules_get

    return routing_rules_get(firm_id=book["model"].firm_id)[0].pk


def route_emails_to(monkeypatch, deliver) -> None:
    """Hand the routing's proposal emails, written in bulk (notify.proposals_ready_write), to
    `deliver` one approval at a time, as every other email reaches notify._deliver."""

    def write(*, firm, approvals, links, prepared):
        for a in approvals:
            deliver(
                kind="proposal", approval=a, to=a.proposal.account.client.email, link=links[a.pk]
            )

    monkeypatch.setattr("approvals.services.notify.proposals_ready_write", write)
