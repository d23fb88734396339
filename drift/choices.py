"""Choices of the drift app: how a rule rebalances, snapshot health, proposal kinds and states."""

from django.db import models


class RebalanceTo(models.TextChoices):
    TARGET = "target", "Back to target"
    BAND_EDGE = "band_edge", "To the band edge"


class BudgetMode(models.TextChoices):
    WARN = "warn", "Warn only"
    CAP = "cap", "Cap realised gains"


class SnapshotStatus(models.TextChoices):
    OK = "ok", "OK"
    STALE_PRICE = "stale_price", "Stale price"
    MISSING_PRICE = "missing_price", "Missing price"
    SUSPECT_PRICE = "suspect_price", "Suspect price (failed the sanity check)"
    EMPTY = "empty", "Empty account"
    # The custodian's file disagrees with the book (reconciliation): no proposal until ops
    # accept the custodian's figure or resolve the break.
    RECON_BREAK = "recon_break", "Unresolved reconciliation break"


class ScanStatus(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ProposalKind(models.TextChoices):
    FULL = "full", "Full (to target)"
    BAND_EDGE = "band_edge", "Band edge"
    CASH_RAISE = "cash_raise", "Cash raise (withdrawal)"
    CASH_DEPLOY = "cash_deploy", "Cash deploy (contribution)"
    HARVEST = "harvest", "Tax-loss harvest"


class ProposalSource(models.TextChoices):
    SCAN = "scan", "Daily scan"
    MODEL_CHANGE = "model_change", "Model change"
    ADVISOR = "advisor", "Advisor"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CHECKED = "checked", "Checked"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    QUEUED = "queued", "Queued"
    SUBMITTED = "submitted", "Submitted"
    EXECUTED = "executed", "Executed"
    FAILED = "failed", "Failed"
    PARTIALLY_EXECUTED = "partially_executed", "Partially executed"
    SUPERSEDED = "superseded", "Superseded by a newer version"
    FLAGGED = "flagged", "Flagged for compliance review"
    BLOCKED = "blocked", "Blocked by compliance"


S = ProposalStatus
# The whole state machine: status -> statuses it may move to. Every write of a proposal's
# status goes through drift.services.transitions.proposals_transition, which checks this.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.CHECKED, S.FLAGGED, S.BLOCKED, S.SUPERSEDED}),
    # Compliance: a flagged proposal waits for an officer (override → checked, reject →
    # declined); a blocked one never moves on toward the client, only to a newer version.
    # A re-check on new facts (imported transactions of the household) may flag or block a
    # proposal anywhere before the batch queues it; it then leaves the approval path (its
    # approval becomes void) and waits in the officer's queue.
    S.FLAGGED: frozenset({S.CHECKED, S.BLOCKED, S.DECLINED, S.SUPERSEDED}),
    S.BLOCKED: frozenset({S.DECLINED, S.SUPERSEDED}),
    S.CHECKED: frozenset({S.AWAITING_APPROVAL, S.FLAGGED, S.BLOCKED, S.DECLINED, S.SUPERSEDED}),
    S.AWAITING_APPROVAL: frozenset(
        {S.APPROVED, S.FLAGGED, S.BLOCKED, S.DECLINED, S.EXPIRED, S.SUPERSEDED}
    ),
    # One live version per account: a newer version supersedes an approved one too (its
    # approval becomes void), and so does the batch when prices moved past the firm's second
    # tolerance (a version at today's prices goes back to the client). Once queued for a
    # batch a version cannot be superseded; one whose orders were all held fails from queued.
    S.APPROVED: frozenset({S.QUEUED, S.FLAGGED, S.BLOCKED, S.SUPERSEDED}),
    S.QUEUED: frozenset({S.SUBMITTED, S.FAILED}),
    S.SUBMITTED: frozenset({S.EXECUTED, S.PARTIALLY_EXECUTED, S.FAILED}),
    S.PARTIALLY_EXECUTED: frozenset(),
    S.DECLINED: frozenset(),
    S.EXPIRED: frozenset(),
    S.EXECUTED: frozenset(),
    S.FAILED: frozenset(),
    S.SUPERSEDED: frozenset(),
}
# A proposal in one of these still waits for something; the scan builds no second one beside it.
# A blocked proposal is not open: the next scan may build a fresh version (a wash-sale window
# passes, prices move).
OPEN_STATUSES = frozenset(
    {S.DRAFT, S.FLAGGED, S.CHECKED, S.AWAITING_APPROVAL, S.APPROVED, S.QUEUED, S.SUBMITTED}
)
# In a trade batch: such a version cannot be superseded; a new one waits until it settles.
IN_BATCH_STATUSES = frozenset({S.QUEUED, S.SUBMITTED})
# May give way to a newer version of the account (everything not yet in a batch and not ended).
SUPERSEDABLE_STATUSES = frozenset(
    s for s, targets in TRANSITIONS.items() if S.SUPERSEDED in targets
)
# Reviewed by compliance and not yet in a batch: re-checked when the household's facts change.
RECHECKABLE_STATUSES = frozenset({S.CHECKED, S.AWAITING_APPROVAL, S.APPROVED, S.FLAGGED})


# The compliance rules' kinds and severities live with the rules themselves (drift.models):
# the proposal builder reads the enabled rules' parameters before compliance checks them.
class RuleKind(models.TextChoices):
    WASH_SALE = "wash_sale", "Wash sale"
    CONCENTRATION = "concentration", "Concentration"
    LIQUIDITY = "liquidity", "Liquidity (cash kept)"
    SUITABILITY = "suitability", "Suitability"


class Severity(models.TextChoices):
    BLOCK = "block", "Block"
    FLAG = "flag", "Flag for a compliance officer"
