"""Rebuilding a proposal as a new version with substitutes in place of some of its buys (a
compliance suggestion applied): the same sells, so the same gains, losses and tax saved; each
replaced buy spends the same value on its substitute at the proposal's prices. The old version
is superseded and the new one is announced (signals.proposals_created) like any new version."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from portfolios.models import Price, Security

from ..calc.content_hash import proposal_hash_of
from ..calc.quantities import shares_for
from ..choices import ProposalStatus
from ..models import Proposal, ProposalTrade
from ..signals import proposals_created
from .proposals import lock_firm_proposals
from .transitions import VersionInBatch, proposals_supersede_replaced, versions_lock_for_new


class RebuildRefused(Exception):
    pass


def proposal_rebuild_substituted(
    *, proposal_id: int, swap: dict[int, int], statuses, actor=None
) -> tuple[Proposal, Proposal]:
    """(old, new): the new version of `proposal_id`, each buy of a security in `swap` replaced
    by its substitute (security id → substitute id). Refused unless the old version is still in
    one of `statuses` under the lock. Call inside the caller's transaction to add its own audit
    entry to the same commit."""
    with transaction.atomic():
        firm_id, account_id = Proposal.objects.values_list("firm_id", "account_id").get(
            pk=proposal_id
        )
        lock_firm_proposals(firm_id)
        try:
            earlier = versions_lock_for_new([account_id])
        except VersionInBatch as exc:
            raise RebuildRefused(str(exc)) from exc
        old = Proposal.objects.get(pk=proposal_id)
        if old.status not in statuses:
            raise RebuildRefused(
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
        ids = [new.pk]
        transaction.on_commit(
            lambda: proposals_created.send(sender=Proposal, firm_id=firm_id, proposal_ids=ids)
        )
    return old, new


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
        raise RebuildRefused("The substitute has no price on or before the proposal's day.")
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
    new.content_hash = proposal_hash_of(new, trades)
    new.save()
    for t in trades:
        t.firm_id, t.proposal = old.firm_id, new
    ProposalTrade.objects.bulk_create(trades)
    return new
