"""What a client may see: only approvals and accounts of their own Client record."""
from decimal import Decimal

from approvals.models import Approval
from drift.models import Proposal
from portfolios.selectors import account_holdings

HISTORY_STATUSES = ("approved", "queued", "submitted", "executed", "partially_executed", "declined", "expired")


def client_approvals(user):
    return (Approval.objects.filter(proposal__account__client__user=user)
            .select_related("proposal__account").order_by("-started_at"))


def accounts_approvals(account_ids):
    """client_approvals() for a client whose accounts the caller already holds: the same rows
    found from the account ids, so the query skips the client join (the portal's busiest page)."""
    return (Approval.objects.filter(proposal__account_id__in=list(account_ids)).select_related("proposal__account")
            .only("status", "started_at", "deadline", "proposal__account__number").order_by("-started_at"))


def rebalance_history(account, *, exclude_id: int | None = None) -> list[dict]:
    """Earlier rebalances of the account, with drift before/after and the value change since."""
    today = sum((h.value for h in account_holdings(account)), Decimal("0"))
    earlier = (Proposal.objects.filter(account=account, status__in=HISTORY_STATUSES).exclude(pk=exclude_id)
               .only("as_of", "status", "drift_before", "drift_after", "total_value").order_by("-as_of")[:10])
    return [{"proposal": p, "value_then": p.total_value, "change": today - p.total_value,
             "change_pct": ((today - p.total_value) / p.total_value * 100).quantize(Decimal("0.01")) if p.total_value else None}
            for p in earlier]
