"""Reads for tax-loss harvesting: the firm's harvest rules, the day's opportunities, the
monthly totals for the reports, and the identical-security and substitute tables."""

from datetime import date

import pandas as pd

from portfolios.selectors import pairs_frame, substitutes_frame


def harvest_rules_frame() -> pd.DataFrame:
    from ..models import HarvestRule

    cols = ["segment", "enabled", "min_loss_pct", "min_loss_dollars", "swap_back"]
    frame = pd.DataFrame(list(HarvestRule.objects.values_list(*cols)), columns=cols)
    return frame.astype({"min_loss_pct": "float64", "min_loss_dollars": "float64"})


def harvest_opportunities_on(as_of: date | None = None):
    """The harvest opportunities of the latest scan day (or `as_of`), largest saving first."""
    from django.db.models import Max

    from ..models import HarvestOpportunity

    as_of = as_of or HarvestOpportunity.objects.aggregate(d=Max("as_of"))["d"]
    qs = HarvestOpportunity.objects.filter(as_of=as_of).select_related(
        "account__client", "security", "substitute", "proposal"
    )
    return as_of, qs.order_by("-est_savings", "account__number")


def harvest_totals(start: date, end: date) -> list[dict]:
    """Losses harvested and estimated tax saved per month (by proposal day) between `start`
    and `end` inclusive, over executed (or partially executed) harvest proposals:
    [{"month": date(first of month), "proposals": int, "losses_st": Decimal, "losses_lt": Decimal,
      "losses": Decimal, "tax_saved": Decimal}, …] — Decimals, losses ≤ 0."""
    from django.db.models import Count, Sum
    from django.db.models.functions import TruncMonth

    from ..choices import ProposalStatus
    from ..models import Proposal

    done = [ProposalStatus.EXECUTED, ProposalStatus.PARTIALLY_EXECUTED]
    rows = (
        Proposal.objects.filter(as_of__range=(start, end), status__in=done, flags__tlh=True)
        .annotate(month=TruncMonth("as_of"))
        .values("month")
        .annotate(
            proposals=Count("id"),
            losses_st=Sum("losses_st"),
            losses_lt=Sum("losses_lt"),
            tax_saved=Sum("tax_saved"),
        )
        .order_by("month")
    )
    return [{**r, "losses": r["losses_st"] + r["losses_lt"]} for r in rows]


def harvest_tables(securities: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The firm's substantially identical sets (security_id, same_id; each security is identical
    to itself) and substitutes (security_id, substitute_id, rank), from portfolios."""
    ids = securities["security_id"].astype("int64")
    pairs = [pd.DataFrame({"security_id": ids, "same_id": ids}), pairs_frame()]
    subs = [
        pd.DataFrame(columns=["security_id", "substitute_id", "rank"], dtype="int64"),
        substitutes_frame(),
    ]
    return (
        pd.concat(pairs, ignore_index=True).astype("int64").drop_duplicates(),
        pd.concat(subs, ignore_index=True).astype("int64"),
    )
