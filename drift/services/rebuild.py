"""Rebuilding superseded versions at today's prices (the batch found the client's prices moved
past the firm's second tolerance): each becomes a new version of the same kind, which goes
through compliance and to the client like any new version. Idempotent: an account that already
has a newer version, or is on hold, is left alone."""

from datetime import date

import pandas as pd
from django.db.models import Max

from firms.services.audit import audit_record
from portfolios.selectors import latest_price_date

from ..choices import ProposalKind, ProposalStatus
from ..models import AccountDriftSettings, Proposal
from .advisor import evaluate_accounts
from .proposals import ProposalBuildRequest, proposals_build

CASH_SIGN = {ProposalKind.CASH_RAISE: -1.0, ProposalKind.CASH_DEPLOY: 1.0}


def _replaceable(proposal_ids) -> list[Proposal]:
    """The superseded versions that are still their account's latest, of a kind rebuilt here
    (a harvest is found again by the next scan, with its own loss figures)."""
    old = list(
        Proposal.objects.filter(
            id__in=list(map(int, proposal_ids)), status=ProposalStatus.SUPERSEDED
        ).exclude(kind=ProposalKind.HARVEST)
    )
    accounts = [p.account_id for p in old]
    latest = dict(
        Proposal.objects.filter(account_id__in=accounts)
        .values("account_id")
        .annotate(v=Max("version"))
        .values_list("account_id", "v")
    )
    held = set(
        AccountDriftSettings.objects.filter(account_id__in=accounts, do_not_trade=True).values_list(
            "account_id", flat=True
        )
    )
    return [p for p in old if p.version == latest[p.account_id] and p.account_id not in held]


def proposals_rebuild(*, firm_id: int, proposal_ids, as_of: date | None = None) -> list[int]:
    """New versions (same kind, source and cash amount) of the superseded `proposal_ids`."""
    old = _replaceable(proposal_ids)
    as_of = as_of or latest_price_date()
    if not old or as_of is None:
        return []
    inputs, result = evaluate_accounts(firm_id, as_of, [p.account_id for p in old])
    ok = set(result.accounts.loc[result.accounts["status"] == "ok", "account_id"])
    groups: dict[tuple, list[Proposal]] = {}
    for p in old:
        if p.account_id in ok:
            groups.setdefault((p.kind, p.source), []).append(p)
    built = []
    for (kind, source), group in groups.items():
        accounts = [p.account_id for p in group]
        cash = (
            pd.Series({p.account_id: float(p.cash_amount) for p in group})
            if kind in CASH_SIGN
            else None
        )
        ids, _sells = proposals_build(
            ProposalBuildRequest(
                firm_id=firm_id,
                inputs=inputs,
                result=result,
                account_ids=accounts,
                kind=kind,
                source=source,
                new_cash=cash * CASH_SIGN[kind] if cash is not None else None,
                cash_amount=cash,
                created_by=group[0].created_by if len(group) == 1 else None,
            )
        )
        built += ids
    audit_record(
        firm_id=firm_id,
        event="proposals.rebuilt",
        payload={
            "from": [p.pk for p in old],
            "built": built,
            "as_of": as_of.isoformat(),
            "not_rebuilt": sorted({p.pk for p in old} - {p.pk for g in groups.values() for p in g}),
        },
    )
    return built
