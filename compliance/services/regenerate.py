"""A suggestion applied: the proposal is rebuilt (drift.services.substitute) as a new version
with a substitute security in place of the buy that would wash a recent loss sale. The old
version is superseded and the new one goes through the checks like any new version."""

from django.db import transaction

from drift.choices import ProposalStatus, RuleKind
from drift.models import Proposal
from drift.services.substitute import RebuildRefused, proposal_rebuild_substituted
from firms.services.audit import audit_record

from ..models import CheckResult

# One refusal for the pages and the API, whether compliance or drift refuses.
RegenerateRefused = RebuildRefused

REGENERABLE = (ProposalStatus.BLOCKED, ProposalStatus.FLAGGED)


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


def proposal_regenerate_substitute(*, proposal: Proposal, actor=None) -> Proposal:
    """The new version, with each washing buy replaced by its suggested substitute."""
    if proposal.status not in REGENERABLE:
        raise RegenerateRefused(
            "Only a blocked or flagged proposal is regenerated; "
            f"this one is {proposal.get_status_display().lower()}."
        )
    swap = _replacements(proposal)
    with transaction.atomic():
        old, new = proposal_rebuild_substituted(
            proposal_id=proposal.pk,
            swap=swap,
            statuses=REGENERABLE,
            actor=actor,
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
    return new
