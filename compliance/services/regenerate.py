"""A suggestion applied: the proposal is rebuilt as a new version with a substitute security
in place of the buy that would wash a recent loss sale. The old version is superseded and
the new one goes through the checks like any new version."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from drift.choices import ProposalStatus
from drift.content_hash import proposal_content_hash, trade_row
from drift.models import Proposal, ProposalTrade
from drift.quantities import shares_for
from drift.services.proposals import lock_firm_proposals
from drift.services.transitions import (
    VersionInBatch,
    proposals_supersede_replaced,
    versions_lock_for_new,
)
from drift.signals import proposals_created
from firms.audit import audit_record
from portfolios.models import Price, Security

from ..choices import RuleKind
from ..models import CheckResult


class RegenerateRefused(Exception):
    pass


def _replacements(proposal: Proposal) -> dict[int, int]:
    result = CheckResult.objects.filter(
        proposal=proposal, kind=RuleKind.WASH_SALE, passed=False
    ).first()
    suggestion = result.suggestion if result else {}
    if suggestion.get("action") != "substitute":
        raise RegenerateRefused(
            "There is no substitute to apply: the wash-sale check suggested none for this proposal."
        )
    return {r["security_id"]: r["substitute_id"] for r in suggestion["replace"]}


def _prices(security_ids, as_of) -> dict[int, Decimal]:
    rows = (
        Price.objects.filter(security_id__in=list(security_ids), date__lte=as_of)
        .order_by("security_id", "-date")
        .distinct("security_id")
        .values_list("security_id", "close")
    )
    return dict(rows)


def _new_trades(proposal: Proposal, swap: dict[int, int]) -> list[ProposalTrade]:
    prices = _prices(swap.values(), proposal.as_of)
    missing = [s for s in swap.values() if s not in prices]
    if missing:
        raise RegenerateRefused("The substitute has no price on or before the proposal's day.")
    out = []
    for t in proposal.trades.all():
        if t.side == "buy" and t.security_id in swap:
            sub = swap[t.security_id]
            qty = shares_for(
                t.value, prices[sub], fractional=t.quantity != t.quantity.to_integral_value()
            )
            if qty <= 0:
                continue
            t = ProposalTrade(
                security_id=sub,
                side="buy",
                quantity=qty,
                price=prices[sub],
                value=(qty * prices[sub]).quantize(Decimal("0.01")),
            )
        else:
            t.pk = None
        out.append(t)
    return out


def _hash(p: Proposal, trades: list[ProposalTrade]) -> str:
    rows = sorted(
        (trade_row(t.security_id, t.side, t.quantity, t.price, t.value) for t in trades),
        key=lambda r: (r[1], r[0]),
    )
    return proposal_content_hash(
        account_id=p.account_id,
        version=p.version,
        kind=p.kind,
        as_of=p.as_of.isoformat(),
        trades=rows,
        est_costs=f"{p.est_costs:.2f}",
        est_tax=f"{p.est_tax:.2f}",
        cash_amount=f"{p.cash_amount:.2f}",
    )


def proposal_regenerate_substitute(*, proposal: Proposal, actor=None) -> Proposal:
    """The new version, with each washing buy replaced by its suggested substitute."""
    if proposal.status not in (ProposalStatus.BLOCKED, ProposalStatus.FLAGGED):
        raise RegenerateRefused(
            f"Only a blocked or flagged proposal is regenerated; this one is {proposal.get_status_display().lower()}."
        )
    swap = _replacements(proposal)
    with transaction.atomic():
        lock_firm_proposals(proposal.firm_id)
        try:
            earlier = versions_lock_for_new([proposal.account_id])
        except VersionInBatch as exc:
            raise RegenerateRefused(str(exc)) from exc
        old = Proposal.objects.get(pk=proposal.pk)
        if old.status not in (ProposalStatus.BLOCKED, ProposalStatus.FLAGGED):
            raise RegenerateRefused(
                f"This version is now {old.get_status_display().lower()}; nothing was regenerated."
            )
        trades = _new_trades(old, swap)
        new = _copy(old, trades, swap)
        proposals_supersede_replaced(
            earlier=earlier,
            new_ids=[new.pk],
            actor=getattr(actor, "user", None),
            reason=f"replaced by v{new.version} with a substitute",
        )
        audit_record(
            firm_id=old.firm_id,
            event="compliance.regenerated",
            actor=getattr(actor, "user", None),
            obj=new,
            payload={
                "from": old.pk,
                "to": new.pk,
                "replaced": {str(k): v for k, v in swap.items()},
            },
        )
        firm_id, ids = old.firm_id, [new.pk]
        transaction.on_commit(
            lambda: proposals_created.send(sender=Proposal, firm_id=firm_id, proposal_ids=ids)
        )
    return new


def _own_flags(old: Proposal, swap: dict[int, int]) -> dict:
    """The old version's flags, with the harvests naming the substitute this version buys."""
    symbols = dict(
        Security.objects.filter(pk__in=[*swap, *swap.values()]).values_list("pk", "symbol")
    )
    renamed = {symbols[a]: symbols[b] for a, b in swap.items() if a in symbols and b in symbols}
    harvests = [
        {**h, "substitute": renamed.get(h.get("substitute"), h.get("substitute"))}
        for h in old.flags.get("harvest", [])
    ]
    flags = {**old.flags, "substitute_of": old.pk}
    if harvests:
        flags["harvest"] = harvests
    return flags


def _copy(old: Proposal, trades: list[ProposalTrade], swap: dict[int, int]) -> Proposal:
    """The new version: the same sells, so the same gains, losses and tax saved as the old one;
    its own buys and its own harvest summary."""
    version = (
        Proposal.objects.filter(account_id=old.account_id).aggregate(v=Max("version"))["v"] + 1
    )
    new = Proposal(
        firm_id=old.firm_id,
        account_id=old.account_id,
        version=version,
        kind=old.kind,
        source=old.source,
        status=ProposalStatus.DRAFT,
        as_of=old.as_of,
        rule_id=old.rule_id,
        created_by=old.created_by,
        total_value=old.total_value,
        cash_amount=old.cash_amount,
        trade_value=sum((t.value for t in trades), Decimal("0")),
        est_costs=old.est_costs,
        est_tax=old.est_tax,
        realised_st=old.realised_st,
        realised_lt=old.realised_lt,
        losses_st=old.losses_st,
        losses_lt=old.losses_lt,
        tax_saved=old.tax_saved,
        drift_before=old.drift_before,
        drift_after=old.drift_after,
        allocation=old.allocation,
        flags=_own_flags(old, swap),
        undone=old.undone,
    )
    new.content_hash = _hash(new, trades)
    new.save()
    for t in trades:
        t.firm_id, t.proposal = old.firm_id, new
    ProposalTrade.objects.bulk_create(trades)
    return new
