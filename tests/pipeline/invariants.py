"""The pipeline's promises, checked from the database after every simulated day.

Each check returns a list of violations (plain sentences naming the rows); an empty list is a
pass. Run inside the firm's scope. The sim's own ledger is read for two facts the product
cannot be asked about without trusting it: when the custodian received each order, and what
the sim's import files said about each imported sale."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import connection

from approvals.choices import ApprovalStatus, ExpiryPolicy, StepRole, StepStatus
from approvals.models import Approval, Signature
from compliance.choices import ReviewStatus
from compliance.models import ComplianceReview
from drift.choices import OPEN_STATUSES, ProposalStatus
from drift.models import Proposal
from firms.models import AuditEntry
from firms.services.audit import audit_verify
from portfolios.models import SubstantiallyIdenticalPair
from trading.models import Order, SimulatedCustodianOrder

from .world import FirmWorld, World

WINDOW = timedelta(days=30)
S = ProposalStatus
APPROVAL_PROPOSAL = {  # an approval's state -> the states its proposal may be in
    ApprovalStatus.PENDING: {S.AWAITING_APPROVAL},
    ApprovalStatus.APPROVED: {
        S.APPROVED,
        S.QUEUED,
        S.SUBMITTED,
        S.EXECUTED,
        S.PARTIALLY_EXECUTED,
        S.FAILED,
    },
    ApprovalStatus.DECLINED: {S.DECLINED},
    ApprovalStatus.EXPIRED: {S.EXPIRED},
    ApprovalStatus.VOID: {S.SUPERSEDED},
}
# An approval voided because a compliance re-check (new imported history) flagged or blocked its
# proposal: the proposal waits for the officer or was rejected by them.
WITHDRAWN = "compliance withdrew it on a re-check"
WITHDRAWN_PROPOSAL = {S.FLAGGED, S.BLOCKED, S.DECLINED}


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


# 1. wash sales ------------------------------------------------------------------------------

EXECUTED_SQL = """
SELECT o.account_id, o.security_id, o.side, b.trade_date, o.proposal_id
FROM trading_order o JOIN trading_batch b ON b.id = o.batch_id
WHERE o.firm_id = %s AND o.filled_quantity > 0
"""
TXN_SQL = """
SELECT t.id, t.account_id, t.security_id, t.side, t.date, t.realized_gain,
  COALESCE(c.household_id, -c.id) AS household
FROM portfolios_transaction t
JOIN portfolios_account a ON a.id = t.account_id
JOIN portfolios_client c ON c.id = a.client_id
WHERE t.firm_id = %s
"""


def wash_sales(world: World, fw: FirmWorld) -> list[str]:
    """No executed purchase and loss sale of the same or a substantially identical security in
    one household within 30 calendar days either way, at least one of them the product's
    execution (an imported trade counts from the day the sim imported it), unless an officer
    overrode the product's proposal with a reason on record."""
    firm_id = fw.firm.pk
    executed = defaultdict(set)
    for account, security, side, day, proposal in _rows(EXECUTED_SQL, [firm_id]):
        executed[(account, security, side, day)].add(proposal)
    pairs = set()
    for a, b in SubstantiallyIdenticalPair.objects.values_list("security_a_id", "security_b_id"):
        pairs |= {(a, b), (b, a)}
    overridden = set(
        ComplianceReview.objects.filter(status=ReviewStatus.OVERRIDDEN)
        .exclude(reason="")
        .values_list("proposal_id", flat=True)
    )
    by_household = defaultdict(lambda: {"buy": [], "loss": []})
    for tid, account, security, side, day, gain, household in _rows(TXN_SQL, [firm_id]):
        file_said = world.imported.get(
            tid
        )  # (gain its file said, import day) for a row the sim imported
        product = (
            frozenset()
            if file_said
            else frozenset(executed.get((account, security, side, day), ()))
        )
        row = {
            "id": tid,
            "account": account,
            "security": security,
            "day": day,
            "product": product,
            "known_from": file_said[1] if file_said else None,
        }
        if side == "buy":
            by_household[household]["buy"].append(row)
        elif (gain is not None and gain < 0) or (
            file_said is not None and file_said[0] is not None and file_said[0] < 0
        ):
            by_household[household]["loss"].append(row)
    found = []
    for household, sides in by_household.items():
        for sale in sides["loss"]:
            for buy in sides["buy"]:
                if abs(buy["day"] - sale["day"]) > WINDOW:
                    continue
                if (
                    sale["security"] != buy["security"]
                    and (sale["security"], buy["security"]) not in pairs
                ):
                    continue
                product = sale["product"] | buy["product"]
                if not product or product & overridden:
                    # Both done outside the product, or an officer overrode it with a reason.
                    continue
                outside = sale if not sale["product"] else buy if not buy["product"] else None
                inside = buy if outside is sale else sale
                if outside is not None and (
                    outside["known_from"] is None or inside["day"] <= outside["known_from"]
                ):
                    continue  # the product traded before the file told it of the outside trade
                sym, num = _names(fw)
                found.append(
                    f"household {household}: loss sale of {sym[sale['security']]} on {sale['day']} "
                    f"({num[sale['account']]}, {_who(sale)}) and buy of {sym[buy['security']]} on "
                    f"{buy['day']} ({num[buy['account']]}, {_who(buy)})"
                )
    return found


def _names(fw: FirmWorld) -> tuple[dict, dict]:
    return {s.pk: s.symbol for s in fw.secs.values()}, {a.pk: a.number for a in fw.accounts}


def _who(row) -> str:
    return (
        f"proposal {sorted(row['product'])}"
        if row["product"]
        else f"imported on {row['known_from']}"
    )


# 2. every execution traces to its approval ---------------------------------------------------


def executions_traced(world: World, fw: FirmWorld) -> list[str]:
    """Every executed order's proposal has an approved approval of the same content hash and
    version (and the client's signature on that hash where the route asks the client); no
    account executes two versions built from the same positions (the later one created
    before the earlier one's fills); at most one live version per account; the custodian
    received each client order id once."""
    found = []
    executed = (
        Order.objects.filter(filled_quantity__gt=0).values_list("proposal_id", flat=True).distinct()
    )
    proposals = {p.pk: p for p in Proposal.objects.filter(pk__in=list(executed))}
    approvals = {
        a.proposal_id: a
        for a in Approval.objects.filter(proposal_id__in=list(proposals)).prefetch_related("steps")
    }
    signatures = dict(
        Signature.objects.filter(approval__proposal_id__in=list(proposals)).values_list(
            "approval_id", "content_hash"
        )
    )
    for pid, p in sorted(proposals.items()):
        a = approvals.get(pid)
        if a is None:
            found.append(
                f"proposal {pid} (account {p.account_id} v{p.version}) executed without an approval"
            )
            continue
        if (
            a.status != ApprovalStatus.APPROVED
            or a.content_hash != p.content_hash
            or a.version != p.version
        ):
            found.append(
                f"proposal {pid} executed: approval {a.pk} is {a.status}, hash "
                f"{a.content_hash[:10]} v{a.version} "
                f"vs executed {p.content_hash[:10]} v{p.version}"
            )
        if (
            any(s.role == StepRole.CLIENT for s in a.steps.all())
            and signatures.get(a.pk) != p.content_hash
        ):
            found.append(
                f"proposal {pid} executed without the client's signature on its content hash"
            )
    first_fill = dict(
        _rows(
            "SELECT o.proposal_id, min(b.allocated_at) FROM trading_order o JOIN "
            "trading_blockorder b ON b.id = o.block_id"
            " WHERE o.firm_id = %s AND o.filled_quantity > 0 GROUP BY o.proposal_id",
            [fw.firm.pk],
        )
    )
    by_account = defaultdict(list)
    for p in proposals.values():
        by_account[p.account_id].append(p)
    for account, ps in by_account.items():
        ps.sort(key=lambda p: first_fill[p.pk])
        for earlier, later in zip(ps, ps[1:]):
            if later.created_at < first_fill[earlier.pk]:
                found.append(
                    f"account {account} executed v{earlier.version} (proposal {earlier.pk}) and "
                    f"v{later.version} (proposal {later.pk}); v{later.version} was built before "
                    f"v{earlier.version}'s fills"
                )
    numbers = _names(fw)[1]
    live = defaultdict(list)
    for account, version, status in Proposal.objects.filter(status__in=OPEN_STATUSES).values_list(
        "account_id", "version", "status"
    ):
        live[account].append(f"v{version} {status}")
    found += [
        f"account {numbers[a]}: {len(v)} live versions ({', '.join(sorted(v))})"
        for a, v in sorted(live.items())
        if len(v) > 1
    ]
    found += [
        f"the custodian received {coid} {n} times"
        for coid, n in SimulatedCustodianOrder.objects.filter(attempts__gt=1).values_list(
            "client_order_id", "attempts"
        )
    ]
    return found


# 3. nothing sent while paused ------------------------------------------------------------------

PAUSE_SQL = """
SELECT DISTINCT b.client_order_id, b.submitted_at, o.account_id, p.id, p.scope, p.paused_at,
  p.resumed_at
FROM trading_blockorder b
JOIN trading_order o ON o.block_id = b.id
JOIN portfolios_account a ON a.id = o.account_id
JOIN trading_executionpause p ON p.firm_id = b.firm_id AND (p.scope = 'firm'
  OR (p.scope = 'custodian' AND p.custodian_id = b.custodian_id)
  OR (p.scope = 'model' AND p.model_id = a.model_id)
  OR (p.scope = 'account' AND p.account_id = o.account_id))
WHERE b.firm_id = %s AND (b.submitted_at IS NOT NULL OR b.client_order_id = ANY(%s))
"""


def nothing_sent_while_paused(world: World, fw: FirmWorld) -> list[str]:
    """No block reached the custodian (its receipt time; the product's submitted_at if the
    custodian's log lacks it) while a pause covering one of its accounts was active."""
    found = []
    for coid, submitted_at, account, pause, scope, paused_at, resumed_at in _rows(
        PAUSE_SQL, [fw.firm.pk, list(world.received)]
    ):
        sent = world.received.get(coid, submitted_at)
        if paused_at <= sent and (resumed_at is None or sent < resumed_at):
            found.append(
                f"block {coid} reached the custodian at {sent:%H:%M:%S.%f} for "
                f"{_names(fw)[1][account]} while pause {pause} "
                f"({scope}, from {paused_at:%H:%M:%S.%f}) was active"
            )
    return found


# 4. approvals end once, by their deadline ------------------------------------------------------


def _end_entries(firm_id: int) -> dict[int, list[str]]:
    ends = defaultdict(list)
    for event, object_id, payload in (
        AuditEntry.objects.filter(
            firm_id=firm_id,
            event__in=[
                "approval.approved",
                "approval.declined",
                "approval.expired",
                "approval.void",
            ],
        )
        .order_by("seq")
        .values_list("event", "object_id", "payload")
    ):
        if object_id and event != "approval.void":
            ends[int(object_id)].append(event)
        elif event == "approval.void":
            for pk in [int(object_id)] if object_id else payload.get("ids", []):
                ends[int(pk)].append(event)
    return ends


def approvals_end_once(world: World, fw: FirmWorld, now: datetime) -> list[str]:
    """Every approval whose deadline has passed by `now` (the evening sweep) has ended (expired
    or, under the escalate policy, escalated); a decision falls inside the window; each end
    is recorded once in the audit trail (approved then void, when a newer version replaced
    it, is the one sequence allowed) and matches its proposal's state; nothing routable
    waits without an approval (checked, or sent back for re-consent), no draft is left
    unchecked."""
    found = []
    ends = _end_entries(fw.firm.pk)
    for a in Approval.objects.select_related("proposal").prefetch_related("steps").order_by("pk"):
        p = a.proposal
        recorded = ends.get(a.pk, [])
        if a.status == ApprovalStatus.PENDING:
            if a.deadline <= now and not (
                fw.expiry_policy == ExpiryPolicy.ESCALATE and a.escalated_at is not None
            ):
                found.append(
                    f"approval {a.pk} (proposal {p.pk}) still pending after its deadline "
                    f"{a.deadline:%Y-%m-%d %H:%M}"
                )
        elif recorded not in ([f"approval.{a.status}"], ["approval.approved", "approval.void"]):
            # One end, recorded once; the one allowed sequence is an approval a newer
            # version voided.
            found.append(f"approval {a.pk} is {a.status}; its audit trail records {recorded}")
        if (
            a.status in (ApprovalStatus.APPROVED, ApprovalStatus.DECLINED)
            and a.decided_at > a.deadline
        ):
            found.append(
                f"approval {a.pk} {a.status} at {a.decided_at:%Y-%m-%d %H:%M}, after its deadline "
                f"{a.deadline:%Y-%m-%d %H:%M}"
            )
        withdrawn = (
            a.status == ApprovalStatus.VOID
            and a.reason == WITHDRAWN
            and p.status in WITHDRAWN_PROPOSAL
        )
        if p.status not in APPROVAL_PROPOSAL[a.status] and not withdrawn:
            found.append(f"approval {a.pk} is {a.status} but its proposal {p.pk} is {p.status}")
        client = [s for s in a.steps.all() if s.role == StepRole.CLIENT]
        if (
            a.status == ApprovalStatus.APPROVED
            and client
            and client[0].status != StepStatus.APPROVED
        ):
            found.append(f"approval {a.pk} approved without the client's step")
    lost = Proposal.objects.filter(
        status=S.CHECKED,
        approval__isnull=True,
        compliance_review__status__in=[ReviewStatus.CLEAR, ReviewStatus.OVERRIDDEN],
    ).values_list("pk", flat=True)
    found += [f"proposal {pk} is checked and cleared but has no approval" for pk in lost]
    found += [
        f"proposal {pk} is a draft nobody checked"
        for pk in Proposal.objects.filter(
            status=S.DRAFT, compliance_review__isnull=True
        ).values_list("pk", flat=True)
    ]
    return found


# 6. the people the pages say are told -----------------------------------------------------------


def declines_reach_the_advisor(world: World, fw: FirmWorld) -> list[str]:
    """A client's decline and an expiry (auto-decline) reach the account's advisor through the
    outbox: the client's page says "your advisor has been told"."""
    from notifications.models import OutboundMessage

    told = set(OutboundMessage.objects.values_list("proposal_id", "recipient"))
    found = []
    for a in (
        Approval.objects.filter(status__in=[ApprovalStatus.DECLINED, ApprovalStatus.EXPIRED])
        .select_related("proposal__account__advisor__user")
        .prefetch_related("steps")
        .order_by("pk")
    ):
        client_step = next((st for st in a.steps.all() if st.role == StepRole.CLIENT), None)
        if a.status == ApprovalStatus.DECLINED and (
            client_step is None or client_step.status != StepStatus.DECLINED
        ):
            continue  # declined by a staff step: the advisor (or a senior) is the one who declined
        advisor = a.proposal.account.advisor
        if advisor is not None and (a.proposal_id, advisor.user.email) not in told:
            found.append(
                f"approval {a.pk} {a.status} ({a.proposal.account.number}): no message to the "
                f"advisor {advisor.user.email}"
            )
    return found


# 5. the audit chain ----------------------------------------------------------------------------


def audit_chain(world: World, fw: FirmWorld) -> list[str]:
    report = audit_verify(firm_id=fw.firm.pk)
    return [] if report.ok else [f"audit chain broken at seq {report.broken_at}: {report.reason}"]


# name -> check(world, firm world, evening time)
INVARIANTS = {
    "wash_sale": lambda w, f, now: wash_sales(w, f),
    "executions_traced": lambda w, f, now: executions_traced(w, f),
    "nothing_sent_while_paused": lambda w, f, now: nothing_sent_while_paused(w, f),
    "approvals_end_once": approvals_end_once,
    "audit_chain": lambda w, f, now: audit_chain(w, f),
    "declines_reach_the_advisor": lambda w, f, now: declines_reach_the_advisor(w, f),
}
