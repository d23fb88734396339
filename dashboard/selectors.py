"""What the dashboard reads: the pipeline's counts, the approvals nearest their deadline, the
exceptions and the drift before/after of the last scan days. A fixed number of aggregate
queries (seven) whatever the size of the book; every count is scoped to "my book" (accounts
the member advises) or the whole firm."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Max, OuterRef, Q, Subquery
from django.utils import timezone

from approvals.choices import ApprovalStatus, StepRole, StepStatus
from approvals.models import Approval, ApprovalStep
from drift.choices import ProposalStatus, SnapshotStatus
from drift.models import DriftSnapshot, Proposal
from trading.choices import OrderStatus
from trading.models import ExecutionPause, Order

S = ProposalStatus
PRICE_PROBLEMS = (
    SnapshotStatus.STALE_PRICE,
    SnapshotStatus.MISSING_PRICE,
    SnapshotStatus.SUSPECT_PRICE,
)
# The pipeline, in the order a proposal moves through it: (key, label, statuses, counted since
# the period's start?). Open stages count what stands there now; ended ones what ended lately.
STAGES = (
    ("proposed", "Proposed, not yet routed", (S.DRAFT, S.CHECKED), False),
    ("compliance", "In compliance review", (S.FLAGGED,), False),
    ("awaiting", "Awaiting approval", (S.AWAITING_APPROVAL,), False),
    ("approved", "Approved, waiting for the batch", (S.APPROVED,), False),
    ("queued", "Queued or sent", (S.QUEUED, S.SUBMITTED), False),
    ("executed", "Executed", (S.EXECUTED,), True),
    ("partial", "Partially executed", (S.PARTIALLY_EXECUTED,), True),
    ("failed", "Failed", (S.FAILED,), True),
)
ENDED = (
    ("declined", "Declined", (S.DECLINED,), True),
    ("expired", "Expired", (S.EXPIRED,), True),
)
STEP_ORDER = (StepRole.ADVISOR, StepRole.SENIOR, StepRole.COMMITTEE, StepRole.CLIENT)
NEAREST = 8
RUNS = 5


@dataclass(frozen=True)
class Book:
    """Whose accounts: `advisor` (a membership id) or None for the whole firm."""

    advisor: int | None

    def q(self, path: str) -> Q:
        """The filter on `path` (the lookup to an account) for this book."""
        return Q(**{f"{path}advisor_id": self.advisor}) if self.advisor else Q()


def _proposal_counts(book: Book, since: datetime) -> dict:
    aggregates = {}
    for key, _label, statuses, dated in (*STAGES, *ENDED):
        match = Q(status__in=statuses) & (Q(status_changed_at__gte=since) if dated else Q())
        aggregates[key] = Count("pk", filter=match)
    aggregates["blocked"] = Count("pk", filter=Q(status=S.BLOCKED))
    aggregates["flagged"] = Count("pk", filter=Q(status=S.FLAGGED))
    return Proposal.objects.filter(book.q("account__")).aggregate(**aggregates)


def _step_counts(book: Book) -> dict:
    rows = (
        ApprovalStep.objects.filter(
            book.q("approval__proposal__account__"),
            status=StepStatus.ACTIVE,
            approval__status=ApprovalStatus.PENDING,
        )
        .values("role")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["role"]: r["n"] for r in rows}


def _scan_health(book: Book) -> dict:
    latest = DriftSnapshot.objects.order_by("-as_of").values("as_of")[:1]
    return DriftSnapshot.objects.filter(book.q("account__"), as_of=Subquery(latest)).aggregate(
        accounts=Count("pk"),
        drifted=Count("pk", filter=Q(breached=True)),
        stale=Count("pk", filter=Q(status__in=PRICE_PROBLEMS)),
        as_of=Max("as_of"),
    )


def nearest_deadlines(book: Book) -> list[Approval]:
    active = ApprovalStep.objects.filter(approval=OuterRef("pk"), status=StepStatus.ACTIVE)
    return list(
        Approval.objects.filter(book.q("proposal__account__"), status=ApprovalStatus.PENDING)
        .select_related("proposal__account__client")
        .annotate(waiting_on=Subquery(active.order_by("position").values("role")[:1]))
        .order_by("deadline", "pk")[:NEAREST]
    )


def _order_problems(book: Book, since: datetime) -> dict:
    """Orders of the batches traded since the period's start (the orders list's date filter)."""
    day = timezone.localtime(since).date()
    return Order.objects.filter(book.q("account__"), batch__trade_date__gte=day).aggregate(
        rejected=Count("pk", filter=Q(status=OrderStatus.REJECTED)),
        cancelled=Count("pk", filter=Q(status=OrderStatus.CANCELLED)),
        held=Count("pk", filter=Q(status__in=(OrderStatus.HELD, OrderStatus.PAUSED))),
    )


def open_pauses() -> list[ExecutionPause]:
    """Paused scopes are firm-wide facts: every book is stopped by a firm pause."""
    return list(
        ExecutionPause.objects.filter(resumed_at__isnull=True)
        .select_related("custodian", "model", "account")
        .order_by("-paused_at")[:10]
    )


def drift_runs(book: Book) -> list[dict]:
    """Per scan day (the last RUNS), the proposals built and their average drift before and
    after (pp)."""
    return list(
        Proposal.objects.filter(book.q("account__"))
        .values("as_of")
        .annotate(n=Count("pk"), before=Avg("drift_before"), after=Avg("drift_after"))
        .order_by("-as_of")[:RUNS]
    )


def dashboard_read(*, book: Book, since: datetime) -> dict:
    counts = _proposal_counts(book, since)
    steps = _step_counts(book)
    return {
        "counts": counts,
        "steps": [(role, StepRole(role).label, steps.get(role, 0)) for role in STEP_ORDER],
        "scan": _scan_health(book),
        "nearest": nearest_deadlines(book),
        "orders": _order_problems(book, since),
        "pauses": open_pauses(),
        "runs": drift_runs(book),
    }
