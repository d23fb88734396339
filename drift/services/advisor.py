"""Rebalances an advisor starts for one account: cash raise (withdrawal) and cash deploy
(contribution), and a model change (preview, then apply in one bulk run)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
from django.db import transaction

from firms.services.audit import audit_record
from portfolios.models import Account, ModelPortfolio, ModelTarget
from portfolios.selectors import latest_price_date

from ..calc.drift import drift_compute
from ..choices import ProposalKind, ProposalSource
from ..models import AccountDriftSettings, Proposal
from ..selectors.scan import scan_inputs
from .proposals import ProposalBuildRequest, lock_firm_proposals, plan_for, proposals_build
from .rules import drift_rules_ensure_defaults
from .snapshots import snapshots_write
from .transitions import proposals_supersede_open, versions_lock


class RebalanceRefused(Exception):
    pass


def evaluate_accounts(firm_id: int, as_of: date, account_ids, targets_override=None):
    drift_rules_ensure_defaults(firm_id=firm_id)  # setup, not an effect of the preview
    inputs = scan_inputs(
        firm_id=firm_id, as_of=as_of, account_ids=account_ids, targets_override=targets_override
    )
    accounts = inputs.accounts[["account_id", "model_id", "rule_id", "tax_advantaged"]]
    return inputs, drift_compute(inputs.positions, inputs.targets, accounts, inputs.rules)


def proposal_create_cash(
    *, account: Account, kind: str, amount: Decimal, actor=None, as_of: date | None = None
) -> Proposal:
    """A cash raise (sell to free `amount`) or cash deploy (buy with `amount` of new cash)."""
    if kind not in (ProposalKind.CASH_RAISE, ProposalKind.CASH_DEPLOY):
        raise RebalanceRefused("Only cash raise and cash deploy are started by hand.")
    if amount <= 0:
        raise RebalanceRefused("The amount must be more than zero.")
    if AccountDriftSettings.objects.filter(account=account, do_not_trade=True).exists():
        raise RebalanceRefused("This account is on a do-not-trade hold.")
    as_of = as_of or latest_price_date()
    with transaction.atomic():
        # Locked before the positions are read (the firm's proposal lock first, as every
        # builder): a version queued or sent refuses this one, and no batch queues an earlier
        # version until this commits (the builder supersedes them).
        lock_firm_proposals(account.firm_id)
        busy, _earlier = versions_lock([account.pk])
        if busy:
            raise RebalanceRefused(busy[account.pk])
        inputs, result = evaluate_accounts(account.firm_id, as_of, [account.pk])
        row = result.accounts.iloc[0]
        if row["status"] != "ok":
            raise RebalanceRefused(
                f"Prices for {as_of} are incomplete for this account "
                f"({row['status'].replace('_', ' ')})."
            )
        if kind == ProposalKind.CASH_RAISE and float(amount) > row["total_value"]:
            raise RebalanceRefused("The amount is more than the account is worth.")
        signed = float(amount) if kind == ProposalKind.CASH_DEPLOY else -float(amount)
        ids, _sells = proposals_build(
            ProposalBuildRequest(
                firm_id=account.firm_id,
                inputs=inputs,
                result=result,
                account_ids=[account.pk],
                kind=kind,
                source=ProposalSource.ADVISOR,
                new_cash=pd.Series({account.pk: signed}),
                created_by=actor,
                cash_amount=pd.Series({account.pk: float(amount)}),
            )
        )
    if not ids:
        raise RebalanceRefused(
            "Nothing to trade: every trade would be under the minimum size or restricted."
        )
    return Proposal.objects.get(pk=ids[0])


@dataclass
class ModelChangePreview:
    accounts: int
    breaching: int
    proposals: int
    trade_value: Decimal


def _override(model: ModelPortfolio, targets: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "model_id": model.pk,
                "asset_class": t["asset_class"],
                "security_id": t["security_id"],
                "weight": float(t["weight"]),
            }
            for t in targets
        ]
    )


def model_change_preview(
    *, model: ModelPortfolio, targets: list[dict], as_of: date | None = None
) -> ModelChangePreview:
    """What saving `targets` (asset_class, security_id, weight) would do; writes nothing."""
    as_of = as_of or latest_price_date()
    ids = list(Account.objects.filter(model=model).values_list("pk", flat=True))
    if not ids:
        return ModelChangePreview(0, 0, 0, Decimal("0.00"))
    inputs, result = evaluate_accounts(model.firm_id, as_of, ids, _override(model, targets))
    held = set(inputs.accounts.loc[inputs.accounts["do_not_trade"], "account_id"])
    breaching = [
        a for a in result.accounts.loc[result.accounts["breached"], "account_id"] if a not in held
    ]
    if not breaching:
        return ModelChangePreview(len(ids), 0, 0, Decimal("0.00"))
    _acc, plan = plan_for(
        ProposalBuildRequest(
            firm_id=model.firm_id, inputs=inputs, result=result, account_ids=breaching
        )
    )
    trading = plan.accounts[plan.accounts["trades"] > 0]
    return ModelChangePreview(
        len(ids),
        len(breaching),
        len(trading),
        Decimal(str(round(float(trading["trade_value"].sum()), 2))).quantize(Decimal("0.01")),
    )


def model_change_apply(
    *, model: ModelPortfolio, targets: list[dict], actor=None, as_of: date | None = None
) -> list[int]:
    """Save the new targets, then re-evaluate every account on the model in one bulk run:
    snapshots replaced for the day, open proposals superseded, new proposals for breaches.
    An account with a version in a trade batch is left alone (audited with the reason): its
    next scan after the batch settles builds on the positions after the fills."""
    as_of = as_of or latest_price_date()
    with transaction.atomic():
        lock_firm_proposals(model.firm_id)  # before the rules are read: see DriftSnapshot
        ModelTarget.objects.filter(model=model).delete()
        ModelTarget.objects.bulk_create(
            [
                ModelTarget(
                    firm_id=model.firm_id,
                    model=model,
                    asset_class=t["asset_class"],
                    security_id=t["security_id"],
                    weight=Decimal(str(t["weight"])),
                )
                for t in targets
            ]
        )
        audit_record(
            firm_id=model.firm_id,
            event="model.targets_changed",
            actor=getattr(actor, "user", None),
            obj=model,
            payload={"targets": [{k: str(v) for k, v in t.items()} for t in targets]},
        )
        ids = list(Account.objects.filter(model=model).values_list("pk", flat=True))
        if not ids or as_of is None:
            return []
        busy, _earlier = versions_lock(
            ids
        )  # before positions are read; no batch queues one until this commits
        inputs, result = evaluate_accounts(model.firm_id, as_of, ids)
        snapshots_write(
            firm_id=model.firm_id,
            as_of=as_of,
            result=result,
            rule_ids=inputs.accounts.set_index("account_id")["rule_id"],
            replace=True,
        )
        if busy:
            audit_record(
                firm_id=model.firm_id,
                event="model.accounts_in_batch",
                actor=getattr(actor, "user", None),
                obj=model,
                payload={"accounts": {str(a): why for a, why in busy.items()}},
            )
        held = set(inputs.accounts.loc[inputs.accounts["do_not_trade"], "account_id"]) | set(busy)
        breaching = [
            a
            for a in result.accounts.loc[result.accounts["breached"], "account_id"]
            if a not in held
        ]
        proposals_supersede_open(
            account_ids=[a for a in ids if a not in busy],
            actor=getattr(actor, "user", None),
            reason=f"model {model.name} changed",
        )
        ids, _sells = proposals_build(
            ProposalBuildRequest(
                firm_id=model.firm_id,
                inputs=inputs,
                result=result,
                account_ids=breaching,
                source=ProposalSource.MODEL_CHANGE,
                created_by=actor,
            )
        )
        return ids
