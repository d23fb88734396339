"""A small month of activity with hand-computable figures (October 2026, New York time).

proposal  account  advisor  type     approval            hours  executed  drift before→after
p1        acct0    adv1     taxable  approved            2      yes       8 → 1
p2        acct1    adv1     taxable  approved            4      yes       6 → 2
p3        acct2    adv2     taxable  declined            1      no        10 → 0
p4        acct3    adv2     IRA      expired, escalated  48     no        9 → 1
p5        acct3    adv2     IRA      approved            10     no        9 → 1
"""

from datetime import datetime, timedelta
from decimal import Decimal

from approvals.models import Approval
from compliance.models import CheckResult, ComplianceReview
from drift.models import DriftSnapshot, Proposal
from portfolios.calc.market_calendar import NEW_YORK
from tests.factories import make_book

OCT = datetime(2026, 10, 5, 10, 0, tzinfo=NEW_YORK)
ROWS = [  # account index, approval status, hours, proposal status, before, after, escalated
    (0, "approved", 2, "executed", "8", "1", False),
    (1, "approved", 4, "executed", "6", "2", False),
    (2, "declined", 1, "declined", "10", "0", False),
    (3, "expired", 48, "expired", "9", "1", True),
    (3, "approved", 10, "approved", "9", "1", False),
]
INJECTED_REASON = '=HYPERLINK("http://evil.test","click")'


def _proposal(firm, account, version, status, before, after, at):
    p = Proposal.objects.create(
        firm=firm,
        account=account,
        version=version,
        kind="full",
        status=status,
        as_of=at.date(),
        content_hash="x" * 64,
        total_value=Decimal("100000"),
        drift_before=Decimal(before),
        drift_after=Decimal(after),
    )
    Proposal.objects.filter(pk=p.pk).update(created_at=at, status_changed_at=at + timedelta(days=1))
    return p


def _approval(firm, proposal, status, hours, escalated, at):
    decided = at + timedelta(hours=hours)
    return Approval.objects.create(
        firm=firm,
        proposal=proposal,
        tier="Standard",
        status=status,
        content_hash="x" * 64,
        version=proposal.version,
        started_at=at,
        deadline=at + timedelta(days=2),
        reminder_at=at + timedelta(days=1),
        decided_at=decided,
        escalated_at=decided if escalated else None,
    )


def make_month(firm, members, *, base=OCT, book=None):
    """Call inside firm's scope (again with `book=` for a second month). Returns the book and
    the proposals in ROWS order."""
    adv1, adv2 = members["advisor"], members["senior_advisor"]
    book = book or make_book(firm, accounts=4, advisor=adv1)
    accounts = book["accounts"]
    for a in accounts[2:]:
        a.advisor = adv2
        a.save(update_fields=["advisor"])
    accounts[3].registration, accounts[3].tax_status = "ira", "tax_advantaged"
    accounts[3].save(update_fields=["registration", "tax_status"])
    proposals, versions = (
        [],
        {i: Proposal.objects.filter(account=a).count() for i, a in enumerate(accounts)},
    )
    for i, (idx, ap_status, hours, p_status, before, after, escalated) in enumerate(ROWS):
        at = base + timedelta(days=i)
        versions[idx] += 1
        p = _proposal(firm, accounts[idx], versions[idx], p_status, before, after, at)
        _approval(firm, p, ap_status, hours, escalated, at)
        proposals.append(p)
    _compliance(firm, proposals[0], members["compliance_officer"], base)
    for days, drift in ((0, "4"), (1, "6"), (2, "3")):
        DriftSnapshot.objects.create(
            firm=firm,
            account=accounts[0],
            as_of=base.date() + timedelta(days=days),
            total_value=Decimal("1"),
            portfolio_drift=Decimal(drift),
            max_drift=Decimal(drift),
        )
    return book, proposals


def _compliance(firm, proposal, officer, at):
    CheckResult.objects.create(
        firm=firm,
        proposal=proposal,
        kind="concentration",
        severity="flag",
        passed=False,
        message="too much in one fund",
        checked_at=at,
    )
    ComplianceReview.objects.create(
        firm=firm,
        proposal=proposal,
        status="overridden",
        checked_at=at,
        officer=officer,
        reason=INJECTED_REASON,
        decided_at=at + timedelta(hours=1),
    )
