"""Every way the simulation touches the product, in one table.

A day is the fixed pipeline (DAY_STAGES, in clock order) with the random events of a firm's
day (EVENTS: name, probability, action) mixed in at their hour. Each action calls one stable
service entry point; if a service's signature changes, only its row here changes.

Refusals are part of a firm's life (a client signing after the window closed, a cash raise
on an account with an open version): an action that a service refuses with its own refusal
exception is counted, never an error. Anything else raised is a bug and fails the run."""

import csv
import io
import re
from decimal import Decimal

from django.db.models import F
from django.test import TestCase

from approvals.choices import ApprovalStatus, StepRole, StepStatus
from drift.choices import ProposalKind, ProposalStatus
from firms.choices import Role
from portfolios import models as pm
from portfolios.calc.market_calendar import previous_trading_day

from .world import ALT_TARGETS, MODELS, TICK, FirmWorld, World, money, ny


def refused(exc: Exception) -> bool:
    """A service's own 'no, and here is why' (RebalanceRefused, ApprovalRefused,
    ControlRefused, ReviewRefused, TransitionNotAllowed, BatchBusy, ...)."""
    return any(type(exc).__name__.endswith(s) for s in ("Refused", "NotAllowed", "Busy"))


def attempt(world: World, name: str, call, **kwargs) -> object:
    """Run `call(**kwargs)` now; a refusal is counted under `name`, anything else re-raised."""
    try:
        result = call(**kwargs)
    except Exception as exc:  # noqa: BLE001 -- a refusal is counted, anything else re-raised
        if not refused(exc):
            raise
        world.stats[f"refused:{name}"] += 1
        world.refusals[(name, re.sub(r"\d", "#", str(exc))[:120])] += 1
        return None
    world.stats[name] += 1
    return result


# --- the fixed pipeline --------------------------------------------------------------------


def stage_sweep(world: World, fw: FirmWorld, day, hh=9, mm=30):
    from approvals.services.sweep import approvals_sweep

    report = approvals_sweep(firm_id=fw.firm.pk, now=ny(day, hh, mm))
    world.stats["expired"] += len(report.expired)
    world.stats["escalated"] += len(report.escalated)
    world.stats["voided"] += len(report.voided)


def stage_batch(world: World, fw: FirmWorld, day):
    from trading.services.batch import batch_run

    batch = attempt(world, "batch", lambda: batch_run(firm_id=fw.firm.pk, trade_date=day))
    if batch is not None:
        world.stats["orders"] += int(batch.counts.get("orders", 0) or 0)
        world.stats["reconsent"] += int(batch.counts.get("reconsent", 0) or 0)


def stage_close(world: World, fw: FirmWorld, day):
    """The day's closes: a random walk, sometimes a market shock (past the reconsent tolerance)."""
    shock = world.rng.random() < 0.05
    if shock:
        world.stats["shocks"] += 1
    move = world.rng.choice([-1, 1]) * world.rng.uniform(0.06, 0.09) if shock else 0.0
    prev = previous_trading_day(day)
    last = dict(
        pm.Price.objects.filter(date__lte=prev)
        .order_by("security_id", "-date")
        .distinct("security_id")
        .values_list("security_id", "close")
    )
    pm.Price.objects.bulk_create(
        [
            pm.Price(
                firm=fw.firm,
                security_id=sid,
                date=day,
                close=(close * Decimal(str(1 + move + world.rng.gauss(0, 0.012)))).quantize(TICK),
            )
            for sid, close in sorted(last.items())
        ]
    )


def stage_scan(world: World, fw: FirmWorld, day):
    from drift.services.scan import drift_scan_run

    run = drift_scan_run(firm_id=fw.firm.pk, as_of=day)
    world.stats["scan_proposals"] += int(run.counts.get("proposals", 0))


def stage_compliance(world: World, fw: FirmWorld, day):
    from compliance.services.checks import proposals_check
    from compliance.services.guard import proposals_review_stale
    from compliance.services.recheck import proposals_recheck
    from drift.choices import RECHECKABLE_STATUSES
    from drift.models import Proposal

    drafts = list(Proposal.objects.filter(status=ProposalStatus.DRAFT).values_list("pk", flat=True))
    if drafts:
        for outcome in proposals_check(firm_id=fw.firm.pk, proposal_ids=drafts).values():
            world.stats[f"compliance:{outcome}"] += 1
    # The compliance sweep's other half: reviews older than a household's import (a lost re-check).
    stale = proposals_review_stale(firm_id=fw.firm.pk, statuses=RECHECKABLE_STATUSES)
    if stale:
        for outcome in proposals_recheck(firm_id=fw.firm.pk, proposal_ids=stale).values():
            world.stats[f"recheck:{outcome}"] += 1


def stage_route(world: World, fw: FirmWorld, day):
    from approvals.services import approvals_start

    world.stats["routed"] += len(approvals_start(firm_id=fw.firm.pk, now=ny(day, 17, 10)))


# --- the random events of a day --------------------------------------------------------------


def _pending(role: str):
    from approvals.models import Approval

    return list(
        Approval.objects.filter(
            status=ApprovalStatus.PENDING, steps__role=role, steps__status=StepStatus.ACTIVE
        )
        .select_related("proposal__account__client")
        .order_by("pk")
        .distinct()
    )


def ev_client_decisions(world: World, fw: FirmWorld, day):
    """Each client with a proposal waiting: approves, declines, or stays silent today."""
    from approvals.services import approval_client_approve, approval_client_decline
    from approvals.services.decisions import Evidence

    for approval in _pending(StepRole.CLIENT):
        draw = world.rng.random()
        now = ny(day, world.rng.randint(10, 15), world.rng.randint(0, 59))
        user = fw.client_members[approval.proposal.account.client_id].user
        if draw < 0.6:
            ev = Evidence(
                typed_name=approval.proposal.account.client.name,
                ip_address="203.0.113.7",
                user_agent="sim",
                auth_method="email_link",
                shown_hash=approval.content_hash,
            )
            attempt(
                world,
                "client_approve",
                approval_client_approve,
                approval_id=approval.pk,
                user=user,
                evidence=ev,
                now=now,
            )
        elif draw < 0.75:
            attempt(
                world,
                "client_decline",
                approval_client_decline,
                approval_id=approval.pk,
                user=user,
                reason="not now",
                now=now,
            )
        else:
            world.stats["client_silent"] += 1


def ev_staff_steps(world: World, fw: FirmWorld, day):
    """Advisors and senior advisors work their queues (mostly approve, rarely decline)."""
    from approvals.models import ApprovalStep
    from approvals.services import step_approve, step_decline

    for role, member in (
        (StepRole.ADVISOR, fw.members[Role.ADVISOR]),
        (StepRole.SENIOR, fw.members[Role.SENIOR_ADVISOR]),
    ):
        for approval in _pending(role):
            step = ApprovalStep.objects.get(approval=approval, role=role)
            draw, now = (
                world.rng.random(),
                ny(day, world.rng.randint(10, 15), world.rng.randint(0, 59)),
            )
            if draw < 0.85:
                attempt(
                    world,
                    "step_approve",
                    step_approve,
                    approval_id=approval.pk,
                    step_id=step.pk,
                    membership=member,
                    now=now,
                )
            elif draw < 0.88:
                attempt(
                    world,
                    "step_decline",
                    step_decline,
                    approval_id=approval.pk,
                    step_id=step.pk,
                    membership=member,
                    now=now,
                    comment="does not fit the plan",
                )


def ev_officer_reviews(world: World, fw: FirmWorld, day):
    """The compliance officer's queue: override with a written reason, reject, or leave it."""
    from compliance.models import ComplianceReview
    from compliance.services.review import review_override, review_reject

    officer = fw.members[Role.COMPLIANCE_OFFICER]
    waiting = ComplianceReview.objects.filter(
        status__in=["flagged", "blocked"], proposal__status__in=["flagged", "blocked"]
    )
    for review in waiting.select_related("proposal").order_by("pk"):
        draw = world.rng.random()
        if review.status == "flagged" and draw < 0.5:
            attempt(
                world,
                "override",
                review_override,
                review=review,
                officer=officer,
                reason=f"client's instruction on file (sim {world.seed})",
            )
        elif draw < 0.7:
            attempt(
                world,
                "reject",
                review_reject,
                review=review,
                officer=officer,
                reason="not suitable now",
            )


def _random_account(world: World, fw: FirmWorld):
    return pm.Account.objects.get(pk=world.rng.choice(fw.accounts).pk)


def _account_with_approved(world: World, fw: FirmWorld):
    """Half the time, an account whose client has just approved a proposal (the client then
    calls for cash, or the model changes, before the batch trades it)."""
    from drift.models import Proposal

    approved = sorted(
        set(
            Proposal.objects.filter(status=ProposalStatus.APPROVED).values_list(
                "account_id", flat=True
            )
        )
    )
    if approved and world.rng.random() < 0.5:
        return pm.Account.objects.get(pk=world.rng.choice(approved))
    return _random_account(world, fw)


def ev_cash_raise(world: World, fw: FirmWorld, day):
    from drift.services.advisor import proposal_create_cash

    account = _account_with_approved(world, fw)
    amount = money(world.rng.choice([2_000, 5_000, 12_000]))
    as_of = previous_trading_day(day)
    attempt(
        world,
        "cash_raise",
        lambda: proposal_create_cash(
            account=account,
            kind=ProposalKind.CASH_RAISE,
            amount=amount,
            actor=fw.members[Role.ADVISOR],
            as_of=as_of,
        ),
    )


def ev_cash_deploy(world: World, fw: FirmWorld, day):
    from drift.services.advisor import proposal_create_cash

    account = _random_account(world, fw)
    cash = fw.secs["CASH"]
    pm.Position.objects.filter(account=account, security=cash).update(
        quantity=F("quantity") + Decimal("10000")
    )
    attempt(
        world,
        "cash_deploy",
        lambda: proposal_create_cash(
            account=account,
            kind=ProposalKind.CASH_DEPLOY,
            amount=Decimal("10000.00"),
            actor=fw.members[Role.ADVISOR],
            as_of=previous_trading_day(day),
        ),
    )


def ev_model_change(world: World, fw: FirmWorld, day):
    from drift.services.advisor import model_change_apply

    name = world.rng.choice(sorted(fw.models))
    fw.alt_targets[name] = not fw.alt_targets[name]
    weights = (ALT_TARGETS if fw.alt_targets[name] else MODELS)[name]
    targets = [
        {"asset_class": fw.secs[s].asset_class, "security_id": fw.secs[s].pk, "weight": Decimal(w)}
        for s, w in weights.items()
    ]
    attempt(
        world,
        "model_change",
        lambda: model_change_apply(
            model=fw.models[name],
            targets=targets,
            actor=fw.members[Role.ADVISOR],
            as_of=previous_trading_day(day),
        ),
    )


def ev_import_transactions(world: World, fw: FirmWorld, day):
    """The custodian's file of trades done outside the product (a client sold in a held-away
    channel): a sell, usually at a loss, of a fund the household holds, with the custodian's
    realized_gain; sometimes a buy too. Through the real importer, all or nothing."""
    from portfolios.importer.service import book_import

    account = _random_account(world, fw)
    # Usually the household's most underweight fund: the one the rebalancer will want to buy.
    under = _most_underweight(account) if world.rng.random() < 0.7 else None
    held = list(
        pm.Position.objects.filter(account=account, quantity__gt=0)
        .exclude(security__security_type="cash")
        .select_related("security")
        .order_by("security_id")
    )
    if not held:
        return
    pos = next((p for p in held if p.security_id == under), None) or world.rng.choice(held)
    on = (
        previous_trading_day(day)
        if world.rng.random() < 0.7
        else previous_trading_day(previous_trading_day(day))
    )
    price = (
        pm.Price.objects.filter(security=pos.security, date__lte=on)
        .order_by("-date")
        .values_list("close", flat=True)
        .first()
    )
    qty = max(Decimal(1), (pos.quantity * Decimal("0.05")).quantize(Decimal("1")))
    gain = (
        money(-qty * price * Decimal(str(world.rng.uniform(0.03, 0.15))))
        if world.rng.random() < 0.75
        else money(qty * price * Decimal("0.04"))
    )
    rows = [
        [
            account.number,
            on.isoformat(),
            pos.security.symbol,
            "sell",
            str(qty),
            str(price),
            str(gain),
        ]
    ]
    if world.rng.random() < 0.3:
        rows.append(
            [account.number, on.isoformat(), pos.security.symbol, "buy", "1", str(price), ""]
        )
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["account_number", "date", "symbol", "side", "quantity", "price", "realized_gain"])
    w.writerows(rows)
    before = pm.Transaction.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # The sim runs inside one transaction: deliver what the import's commit would (the
    # compliance re-check of the household's proposals and the approvals it voids).
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = book_import(
            firm=fw.firm, files={"transactions": out.getvalue().encode()}, source="sim"
        )
    assert result.ok, (
        f"seed {world.seed} {day}: the sim's own transactions file was refused: {result.errors}"
    )
    world.stats["imports"] += 1
    world.stats["imported_losses"] += int(gain < 0)
    for pk, side in pm.Transaction.objects.filter(pk__gt=before).values_list("pk", "side"):
        world.imported[pk] = (gain if side == "sell" else None, day)


def _most_underweight(account):
    """The model security with the largest shortfall against its target, at the last closes."""
    targets = {t.security_id: Decimal(t.weight) for t in account.model.targets.all()}
    held = dict(pm.Position.objects.filter(account=account).values_list("security_id", "quantity"))
    close = {
        sid: pm.Price.objects.filter(security_id=sid)
        .order_by("-date")
        .values_list("close", flat=True)
        .first()
        for sid in targets
    }
    values = {sid: held.get(sid, Decimal(0)) * (close[sid] or Decimal(0)) for sid in targets}
    total = sum(values.values()) or Decimal(1)
    return min(sorted(targets), key=lambda sid: values[sid] / total * 100 - targets[sid])


def _pause_target(world: World, fw: FirmWorld) -> dict:
    draw = world.rng.random()
    if draw < 0.5:
        return {"scope": "firm"}
    if draw < 0.8:
        return {"scope": "account", "target": _random_account(world, fw)}
    return {"scope": "model", "target": fw.models[world.rng.choice(sorted(fw.models))]}


def ev_pause(world: World, fw: FirmWorld, day):
    from trading.services.control import execution_pause

    attempt(
        world,
        "pause",
        lambda: execution_pause(
            by=fw.members[Role.SENIOR_ADVISOR], reason="market stress", **_pause_target(world, fw)
        ),
    )


def ev_resume(world: World, fw: FirmWorld, day):
    from trading.models import ExecutionPause
    from trading.services.control import execution_resume

    for pause in ExecutionPause.objects.filter(resumed_at__isnull=True).order_by("pk"):
        if world.rng.random() < 0.5:
            attempt(
                world,
                "resume",
                execution_resume,
                by=fw.members[Role.SENIOR_ADVISOR],
                pause=pause,
            )


def ev_arm_mid_batch_pause(world: World, fw: FirmWorld, day):
    """Tomorrow's batch: a senior advisor pauses while its blocks are going out."""
    world.pause_mid_batch[fw.firm.pk] = _pause_target(world, fw)
    world.stats["mid_batch_pauses_armed"] += 1


# name, probability per firm and day, action; run between the batch and the close, in this order.
EVENTS = [
    ("client_decisions", 1.0, ev_client_decisions),
    ("staff_steps", 1.0, ev_staff_steps),
    ("officer_reviews", 1.0, ev_officer_reviews),
    ("import_transactions", 0.35, ev_import_transactions),
    ("cash_raise", 0.25, ev_cash_raise),
    ("cash_deploy", 0.08, ev_cash_deploy),
    ("model_change", 0.06, ev_model_change),
    ("pause", 0.08, ev_pause),
    ("resume", 0.35, ev_resume),
    ("arm_mid_batch_pause", 0.15, ev_arm_mid_batch_pause),
]

# The day in clock order: "events" is where EVENTS run.
DAY_STAGES = [
    ("sweep_morning", lambda w, f, d: stage_sweep(w, f, d, 9, 30)),
    ("batch", stage_batch),
    ("events", None),
    ("close", stage_close),
    ("scan", stage_scan),
    ("compliance", stage_compliance),
    ("route", stage_route),
    ("sweep_evening", lambda w, f, d: stage_sweep(w, f, d, 17, 30)),
]
EVENING = (17, 30)  # the sweep the invariants judge deadlines against
