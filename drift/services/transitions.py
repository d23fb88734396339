"""The proposal lifecycle: every stage moves proposals through `proposals_transition`, the one
writer of a proposal's status. It checks the state machine (drift.choices.TRANSITIONS), writes
one audit entry of one shape per call and, after commit, sends one signal (`proposals_moved`).

One live version per account: before a new version is written the builder calls
`versions_lock_for_new`, which refuses while an earlier version is in a trade batch, and
after it `proposals_supersede_replaced`, which supersedes every earlier version not yet
queued, whatever its approval state (approvals hears of it and voids their approvals)."""

from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from firms.services.audit import audit_record

from ..choices import IN_BATCH_STATUSES, SUPERSEDABLE_STATUSES, TRANSITIONS, ProposalStatus
from ..models import Proposal
from ..signals import proposals_moved


class TransitionNotAllowed(Exception):
    pass


class VersionInBatch(TransitionNotAllowed):
    """An earlier version of the account is queued or sent: a new version must wait until that
    batch has settled (it is then built on the positions after the fills)."""


def _label(status: str) -> str:
    return ProposalStatus(status).label.lower()


def proposals_transition(
    *,
    ids,
    to: str,
    actor=None,
    reason: str = "",
    skip_refused: bool = False,
    payload: dict | None = None,
) -> list[int]:
    """Move the proposals `ids` to `to`, under row locks taken in id order. A proposal already
    at `to` is left alone (repeating a move is a no-op). One not allowed to move raises
    TransitionNotAllowed and nothing is written, unless `skip_refused` (bulk stages that take
    whichever of their proposals are still movable: a concurrent run queued it, a newer version
    superseded it). Returns the ids moved."""
    to = ProposalStatus(to)
    ids = sorted({int(i) for i in ids})
    if not ids:
        return []
    with transaction.atomic():
        rows = list(
            Proposal.objects.select_for_update()
            .filter(id__in=ids)
            .order_by("id")
            .values_list("id", "firm_id", "status")
        )
        refused = [
            (pk, status)
            for pk, _firm, status in rows
            if status != to and to not in TRANSITIONS[status]
        ]
        missing = sorted(set(ids) - {pk for pk, _f, _s in rows})
        if (refused or missing) and not skip_refused:
            raise TransitionNotAllowed(_refusal(refused, missing, to))
        moving = [
            (pk, firm, status)
            for pk, firm, status in rows
            if status != to and to in TRANSITIONS[status]
        ]
        if not moving:
            return []
        moved = [pk for pk, _f, _s in moving]
        Proposal.objects.filter(id__in=moved).update(status=to, status_changed_at=timezone.now())
        by_firm: dict[int, list] = defaultdict(list)
        for pk, firm, status in moving:
            by_firm[firm].append((pk, status))
        for firm_id, group in by_firm.items():
            _audit(firm_id, group, to, actor, reason, payload)
            firm_moved = [pk for pk, _s in group]
            transaction.on_commit(
                lambda f=firm_id, m=firm_moved: proposals_moved.send(
                    sender=Proposal, firm_id=f, proposal_ids=m, to=str(to), reason=reason
                )
            )
    return moved


def _refusal(refused: list, missing: list, to: str) -> str:
    if missing:
        return f"No proposal {', '.join(map(str, missing))} in this firm; nothing was changed."
    first = refused[0][1]
    more = f" ({len(refused)} proposals)" if len(refused) > 1 else ""
    return f"A proposal that is {_label(first)} cannot become {_label(to)}{more}."


def _audit(firm_id: int, group: list, to: str, actor, reason: str, payload: dict | None) -> None:
    """One entry per firm and call: {"to", "reason", "ids", "from": {status: [ids]}}; the entry
    names the proposal when there is only one (the examiner's evidence finds it by object)."""
    sources: dict[str, list[int]] = defaultdict(list)
    for pk, status in group:
        sources[str(status)].append(pk)
    obj = Proposal(pk=group[0][0], firm_id=firm_id) if len(group) == 1 else None
    audit_record(
        firm_id=firm_id,
        event=f"proposal.{to}",
        actor=actor,
        obj=obj,
        payload={
            "to": str(to),
            "reason": reason,
            "ids": [pk for pk, _s in group],
            "from": dict(sources),
            **(payload or {}),
        },
    )


_VERSIONS_SQL = """
SELECT p.id, p.account_id, p.status FROM drift_proposal p
WHERE p.firm_id = app_current_firm() AND p.account_id = ANY(%(a)s::bigint[])
  AND p.status = ANY(%(s)s)
ORDER BY p.id {lock}
"""


def _versions(account_ids, statuses, *, lock: bool) -> list[tuple]:
    with connection.cursor() as cur:  # an array, not an IN list: a scan passes 100,000 accounts
        cur.execute(
            _VERSIONS_SQL.format(lock="FOR UPDATE" if lock else ""),
            {"a": sorted({int(a) for a in account_ids}), "s": sorted(map(str, statuses))},
        )
        return cur.fetchall()


def _in_batch_reasons(rows: list[tuple]) -> dict[int, str]:
    busy = [pk for pk, _a, status in rows if status in IN_BATCH_STATUSES]
    if not busy:
        return {}
    qs = (
        Proposal.objects.filter(id__in=busy)
        .select_related("account")
        .order_by("account_id", "version")
    )
    return {
        p.account_id: (
            f"Account {p.account.number}: version {p.version} is {_label(p.status)} "
            "in a trade batch. A new version can be built once that batch has settled; "
            "it will start from the positions "
            "after the fills."
        )
        for p in qs
    }


def versions_in_batch(account_ids) -> dict[int, str]:
    """account id → why a new version is refused, for the accounts with a version queued or sent."""
    return _in_batch_reasons(_versions(account_ids, IN_BATCH_STATUSES, lock=False))


def versions_lock(account_ids) -> tuple[dict[int, str], dict[int, list[int]]]:
    """Row-lock every version of these accounts that is in a batch or could be superseded (so
    no batch queues one until the caller commits). Returns (account id → why it is in a batch,
    account id → its versions a new one would supersede)."""
    rows = _versions(account_ids, IN_BATCH_STATUSES | SUPERSEDABLE_STATUSES, lock=True)
    earlier: dict[int, list[int]] = defaultdict(list)
    for pk, account_id, status in rows:
        if status in SUPERSEDABLE_STATUSES:
            earlier[account_id].append(pk)
    return _in_batch_reasons(rows), dict(earlier)


def versions_lock_for_new(account_ids) -> dict[int, list[int]]:
    """Call in the transaction that writes new versions of `account_ids`, before reading their
    positions. Raises VersionInBatch when an earlier version of one of them is queued or sent;
    otherwise returns, per account, the locked earlier versions a new one will supersede
    (`proposals_supersede_replaced`)."""
    busy, earlier = versions_lock(account_ids)
    if busy:
        raise VersionInBatch(" ".join(busy.values()))
    return earlier


def proposals_supersede_replaced(
    *, earlier: dict[int, list[int]], new_ids, actor=None, reason: str = ""
) -> list[int]:
    """The versions `new_ids` were just written: the earlier versions (from versions_lock_for_new)
    of their accounts become superseded, in one transition. Returns the ids superseded."""
    if not earlier or not new_ids:
        return []
    renewed = set(
        Proposal.objects.filter(id__in=list(map(int, new_ids))).values_list("account_id", flat=True)
    )
    ids = [pk for account_id, pks in earlier.items() if account_id in renewed for pk in pks]
    return proposals_transition(
        ids=ids,
        to=ProposalStatus.SUPERSEDED,
        actor=actor,
        reason=reason or "a newer version of the account's proposal replaces it",
    )


def proposals_supersede_open(*, account_ids, actor=None, reason: str) -> list[int]:
    """Supersede every version of these accounts not yet in a batch, with no new version in
    their place (a model change that leaves the account inside its band). Refused
    (VersionInBatch) for an account with a version queued or sent."""
    earlier = versions_lock_for_new(account_ids)
    return proposals_transition(
        ids=[pk for pks in earlier.values() for pk in pks],
        to=ProposalStatus.SUPERSEDED,
        actor=actor,
        reason=reason,
    )
