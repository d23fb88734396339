"""What a client may see: only approvals and accounts of their own Client record."""

from decimal import Decimal

from django.db.models import OuterRef, Subquery

from approvals.choices import ApprovalStatus, StepRole, StepStatus
from approvals.models import Approval
from drift.models import Proposal
from portfolios.models import Account, ModelTarget, Position, Price
from portfolios.selectors import HoldingRow, holding_value, holdings_grouped, holdings_values

HISTORY_STATUSES = (
    "approved",
    "queued",
    "submitted",
    "executed",
    "partially_executed",
    "declined",
    "expired",
)


def client_approvals(user):
    return (
        Approval.objects.filter(proposal__account__client__user=user)
        .select_related("proposal__account")
        .order_by("-started_at")
    )


def _positions_with_close(account_id: int):
    last_close = (
        Price.objects.filter(security=OuterRef("security")).order_by("-date").values("close")[:1]
    )
    return (
        Position.objects.filter(account_id=account_id)
        .annotate(close=Subquery(last_close))
        .only("quantity")
    )


def account_value(account_id: int) -> Decimal:
    """The account's value at each security's latest close: the sum of
    portfolios.selectors.account_holdings(account)'s values (each rounded to the cent as there),
    without the holdings' names, ordering and join."""
    return sum(
        (holding_value(p.quantity, p.close) for p in _positions_with_close(account_id)),
        Decimal("0"),
    )


def rebalance_history(account, *, exclude_id: int | None = None) -> list[dict]:
    """Earlier rebalances of the account, with drift before/after and the value change since."""
    today = account_value(account.pk)
    earlier = Proposal.objects.filter(account=account, status__in=HISTORY_STATUSES)
    if exclude_id is not None:
        earlier = earlier.exclude(pk=exclude_id)
    earlier = earlier.only("as_of", "status", "drift_before", "drift_after", "total_value")
    earlier = earlier.order_by("-as_of")[:10]
    return [
        {
            "proposal": p,
            "value_then": p.total_value,
            "change": today - p.total_value,
            "change_pct": ((today - p.total_value) / p.total_value * 100).quantize(Decimal("0.01"))
            if p.total_value
            else None,
        }
        for p in earlier
    ]


# --- The portal home (the clients' busiest page): a fixed number of queries per page ------


def _waiting(user_id: int):
    return (
        client_approvals(user_id)
        .filter(
            status=ApprovalStatus.PENDING,
            steps__role=StepRole.CLIENT,
            steps__status=StepStatus.ACTIVE,
        )
        .only("status", "started_at", "deadline", "proposal__account__number")
    )


def _decided(user_id: int):
    return (
        client_approvals(user_id)
        .exclude(status=ApprovalStatus.PENDING)
        .only("status", "started_at", "deadline", "proposal__account__number")[:10]
    )


def client_holdings(user_id: int) -> dict[int, list[HoldingRow]]:
    """portfolios.selectors.holdings_by_account() of all the client's accounts (the same rows)."""
    return holdings_grouped(holdings_values(Position.objects.filter(account__client__user=user_id)))


def client_model_targets(user_id: int) -> dict[int, list[dict]]:
    """portfolios.selectors.model_targets() of the models of all the client's accounts."""
    targets: dict[int, list[dict]] = {}
    models = Account.objects.filter(client__user=user_id).values("model_id")
    rows = ModelTarget.objects.filter(model_id__in=Subquery(models)).values_list(
        "model_id", "asset_class", "weight"
    )
    for model_id, asset_class, weight in rows:
        targets.setdefault(model_id, []).append(
            {"model_id": model_id, "asset_class": asset_class, "weight": weight}
        )
    return targets


def client_waiting_and_decided(user_id: int) -> tuple[list, list]:
    """The client's approvals waiting for their decision, and their last 10 decided ones."""
    return list(_waiting(user_id)), list(_decided(user_id))


# --- Plain words next to a trade: why a tax-loss harvest or a substitute swap --------------


def _harvest_notes(harvests: list[dict]) -> dict[tuple[str, str], str]:
    """(side, symbol) → the sentence a client reads next to that trade."""
    notes = {}
    for h in harvests:
        sold, sub = h.get("sold", ""), h.get("substitute", "")
        if not sold:
            continue
        if h.get("label") == "swap_back":
            notes[("sell", sold)] = (
                f"Switching back: {sold} stood in for {sub} after an earlier tax-loss sale. The "
                f"31-day waiting period is over, so we sell {sold} and buy {sub} again."
            )
            notes[("buy", sub)] = (
                f"Buying back {sub}, the fund your plan holds, in place of the stand-in {sold}."
            )
        else:
            notes[("sell", sold)] = (
                f"Tax-loss harvest: {sold} is worth less than you paid for it. Selling it "
                "realises the loss, which can lower your tax bill; you stay invested through "
                f"{sub}."
                if sub
                else f"Tax-loss harvest: {sold} is sold at a loss to lower your tax bill."
            )
            if sub:
                notes[("buy", sub)] = (
                    f"Bought in place of {sold}, sold at a loss above: a similar fund, but not "
                    f"the same one, so the loss counts for tax. You keep the same kind of "
                    f"investment; tax rules stop us buying {sold} back for 31 days."
                )
    return notes


def trade_notes(proposal, trades) -> dict[int, str]:
    """Trade id → a plain-words note for the trades of a tax-loss harvest and of a substitute
    swap (compliance replaced a buy that would have undone a recent tax loss). One query at
    most (the earlier version's buys, for a swap)."""
    by_trade = _harvest_notes(proposal.flags.get("harvest", []))
    notes = {}
    swapped: dict[str, str] = {}
    if proposal.flags.get("substitute_of"):
        earlier = set(
            Proposal.objects.filter(pk=proposal.flags["substitute_of"])
            .filter(trades__side="buy")
            .values_list("trades__security__symbol", flat=True)
        )
        now_buys = {t.security.symbol for t in trades if t.side == "buy"}
        replaced, substitutes = sorted(earlier - now_buys), sorted(now_buys - earlier)
        if len(replaced) == len(substitutes):
            swapped = dict(zip(substitutes, replaced))
    for t in trades:
        note = by_trade.get((t.side, t.security.symbol))
        if note is None and t.side == "buy" and t.security.symbol in swapped:
            was = swapped[t.security.symbol]
            note = (
                f"Substitute: we buy {t.security.symbol} instead of {was}. Buying {was} now "
                "would cancel a tax loss taken in your household in the last 30 days (the "
                f"wash-sale rule); {t.security.symbol} is a similar fund, so your allocation "
                "stays on target."
            )
        if note:
            notes[t.pk] = note
    return notes


def trades_go_out(approval, now) -> dict | None:
    """After signing: when the trades go out. An approved proposal waits for the next 9:45 New
    York batch on an NYSE trading day; a queued or sent one names its batch."""
    from trading.calc.schedule import next_batch_start

    status = approval.proposal.status
    if approval.status != ApprovalStatus.APPROVED:
        return None
    if status == "approved":
        return {"when": next_batch_start(now), "state": "waiting"}
    if status in ("queued", "submitted", "executed", "partially_executed", "failed"):
        return {"when": None, "state": status}
    return None
