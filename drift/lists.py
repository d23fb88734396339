"""The drift app's lists as core.lists declares them: the drifted accounts of the latest scan."""

from decimal import Decimal

from django.db.models import Avg, Count, Max, Q, Sum

from core.lists import Column, Filter, ListSpec
from portfolios.choices import AssetClass, Segment

from .choices import SnapshotStatus
from .models import DriftSnapshot

_CLASSES = dict(AssetClass.choices)
TIERS = {
    "small": Q(total_value__lt=Decimal("100000")),
    "mid": Q(total_value__gte=Decimal("100000"), total_value__lt=Decimal("500000")),
    "large": Q(total_value__gte=Decimal("500000")),
}
TIER_LABELS = (
    ("small", "Under $100,000"),
    ("mid", "$100,000 to $500,000"),
    ("large", "$500,000 and over"),
)


def _state(s) -> str:
    if s.status != SnapshotStatus.OK:
        return s.get_status_display()
    return "Breach" if s.breached else "In band"


DRIFTED = ListSpec(
    name="drifted-accounts",
    columns=(
        Column("number", "Account", "account__number", lambda s: s.account.number),
        Column("client", "Client", "account__client__name", lambda s: s.account.client.name),
        Column("model", "Model", "account__model__name", lambda s: s.account.model.name),
        Column(
            "advisor",
            "Advisor",
            "account__advisor__user__last_name",
            lambda s: s.account.advisor.display_name if s.account.advisor else "",
        ),
        Column("value", "Value", "total_value", lambda s: s.total_value, num=True),
        Column("drift", "Drift (pp)", "portfolio_drift", lambda s: s.portfolio_drift, num=True),
        Column("largest", "Largest (pp)", "max_drift", lambda s: s.max_drift, num=True),
        Column("class", "Largest class", None, lambda s: _CLASSES.get(s.max_drift_class, "")),
        Column("status", "Status", "status", _state),
    ),
    search=("account__number", "account__client__name"),
    filters=(
        Filter("advisor", "Advisor", "account__advisor_id", kind="id"),
        Filter("model", "Model", "account__model_id", kind="id"),
        Filter("segment", "Segment", "account__segment", choices=tuple(Segment.choices)),
        Filter("tier", "Size", TIERS, choices=TIER_LABELS),
        Filter(
            "health",
            "Price health",
            "status",
            choices=tuple(c for c in SnapshotStatus.choices if c[0] != SnapshotStatus.EMPTY),
        ),
        Filter("all", "Include in-band", Q(), kind="flag"),
    ),
    default_sort="-drift",
    totals={
        "value": Sum("total_value"),
        "drift": Avg("portfolio_drift"),
        "largest": Max("max_drift"),
        "n": Count("pk"),
    },
)


def latest_snapshots(request):
    """The latest scan's snapshots (breached only unless the request asks for all), with the
    columns a row shows: (as_of, queryset). Two queries with the page's rows."""
    as_of = DriftSnapshot.objects.aggregate(d=Max("as_of"))["d"]
    qs = DriftSnapshot.objects.filter(as_of=as_of)
    if request.GET.get("all") != "1":
        qs = qs.filter(breached=True)
    # Only the columns a row shows: the snapshot's per-class detail (JSON, decoded per row) and
    # the user's password hash cost 3 ms of the page's 20 ms of CPU (loadtest/profile_pages.py).
    qs = qs.select_related("account__client", "account__model", "account__advisor__user").only(
        *("account", "total_value", "portfolio_drift", "max_drift", "max_drift_class"),
        *("status", "breached", "account__number", "account__client", "account__client__name"),
        *("account__model", "account__model__name", "account__advisor", "account__advisor__user"),
        *(f"account__advisor__user__{f}" for f in ("first_name", "last_name", "email")),
    )
    return as_of, qs
