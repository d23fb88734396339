"""The demo's recent past: its last trading days lived through the product's own services.

Each session, in clock order: the morning sweep (expiries, escalations), the 9:45 trade batch
(orders, fills — some partial — and the confirmations handed to the outbox), the day's
decisions (clients sign or decline, advisors, seniors and the committee approve or decline,
the compliance officer overrides or rejects), then the close: drift scan, compliance checks,
approval routing and the evening sweep. A closed month's monthly report ends the history.

The clock is fixed per step (`demo_clock`): the services that take `now` get it, and the
rows they stamp themselves (created, decided, filled, audited) carry the same moment, so the
charts, the monthly figures and the audit trail agree. Choices come from a seeded generator,
so the same book gives the same history. Each session is written in one transaction, and
only once: a firm scanned up to its latest close is left as it is, so a second `seed_demo`
adds nothing."""

import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from unittest import mock

from django.db import transaction

from firms.models import Firm, Membership
from portfolios.calc.market_calendar import NEW_YORK

Log = Callable[[str], None]

DEFAULT_HISTORY_SESSIONS = 60  # about three months of trading days

# Per pending decision and session: what a client or a staff member does today.
CLIENT_SIGNS, CLIENT_DECLINES = 0.55, 0.10  # else silent today (some then expire)
STAFF_APPROVES, STAFF_DECLINES = 0.80, 0.04  # else not today
OFFICER_OVERRIDES, OFFICER_REJECTS = 0.5, 0.2
# Clients who never answer in the history (chosen by their email): their proposals expire or
# escalate and come back, so the last day still has drifted accounts and waiting approvals.
AWAY_SHARE = 0.35


def ny(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=NEW_YORK)


@contextmanager
def demo_clock(moment: datetime) -> Iterator[None]:
    """The demo's wall clock stands at `moment` (timezone.now() answers it)."""
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(UTC)):
        yield


@dataclass
class History:
    firm: Firm
    staff: dict[str, Membership]  # by login
    rng: random.Random
    stats: Counter = field(default_factory=Counter)


def demo_history_once(
    *, firm: Firm, sessions: int, seed: int, expiry_policy: str, log: Log
) -> Counter | None:
    """Live the firm's last `sessions` priced NYSE sessions (in the firm's scope), then write
    the report of the month that closed before the last one. None when there is nothing left
    to live (the firm is scanned up to its latest close)."""
    days = demo_history_days(sessions=sessions)
    if not days:
        return None
    staff = {m.user.email.split("@")[0]: m for m in Membership.objects.select_related("user")}
    _statistics_refresh()
    with transaction.atomic():
        _expiry_policy_set(firm, expiry_policy)
    return demo_history_run(firm=firm, staff=staff, days=days, seed=seed, log=log)


def demo_history_of(spec, *, firm: Firm, sessions: int, log: Log) -> Counter | None:
    """A demo firm's history as its catalogue entry (`DemoFirm`) sets it: its seed and its
    expiry policy, lived in the firm's scope."""
    from firms.services.tenancy import firm_scope

    with firm_scope(firm):
        return demo_history_once(
            firm=firm,
            sessions=sessions,
            seed=spec.seed,
            expiry_policy=spec.expiry_policy,
            log=log,
        )


def demo_history_days(*, sessions: int) -> list[date]:
    """The sessions the firm in scope has still to live: of the last `sessions` priced days,
    those after its latest scan (all of them for a firm never scanned)."""
    from django.db.models import Max

    from drift.models import ScanRun
    from portfolios.models import Price

    if sessions <= 0:
        return []
    days = sorted(
        Price.objects.values_list("date", flat=True).distinct().order_by("-date")[:sessions]
    )
    scanned = ScanRun.objects.aggregate(last=Max("as_of"))["last"]
    return [day for day in days if scanned is None or day > scanned]


def demo_history_due(*, sessions: int) -> bool:
    """Whether the firm in scope has sessions left to live."""
    return bool(demo_history_days(sessions=sessions))


def demo_history_run(
    *, firm: Firm, staff: dict[str, Membership], days: list[date], seed: int, log: Log
) -> Counter:
    """Live `days` (NYSE sessions with closes); then the report of the last closed month. Each
    session commits on its own, as the product's tasks do: the locks a session takes (its
    COPY temp tables among them) are let go at its end, and a run that stops halfway leaves
    whole sessions only: the next run takes up the history at the session that failed."""
    history = History(firm, staff, random.Random(seed))
    for day in days:
        with transaction.atomic():
            _session(history, day)
    with transaction.atomic():
        _monthly_report(history, days[-1])
    log(f"{firm.name}: history " + ", ".join(f"{n} {k}" for k, n in sorted(history.stats.items())))
    return history.stats


def _session(h: History, day: date) -> None:
    from approvals.services import approvals_start
    from compliance.services.checks import proposals_check, proposals_unchecked_ids
    from drift.services.scan import drift_scan_run
    from trading.services.batch import batch_run
    from trading.services.confirmations import confirmations_hand_over

    _sweep(h, ny(day, 9, 30))
    _escalations_follow_up(h, ny(day, 9, 35))
    with demo_clock(ny(day, 9, 45)):
        batch = batch_run(firm_id=h.firm.pk, trade_date=day)
        h.stats["orders"] += int(batch.counts.get("orders", 0) or 0)
    _database_clock_align(ny(day, 9, 45))
    with demo_clock(ny(day, 10, 30)):
        h.stats["confirmations"] += confirmations_hand_over(firm_id=h.firm.pk)
    _decisions(h, day)
    close = ny(day, 16, 30)
    with demo_clock(close):
        drift_scan_run(firm_id=h.firm.pk, as_of=day)
    _database_clock_align(close)
    with demo_clock(ny(day, 16, 45)):
        ids = proposals_unchecked_ids(older_than=timedelta(0))
        for outcome in (
            proposals_check(firm_id=h.firm.pk, proposal_ids=ids) if ids else {}
        ).values():
            h.stats[f"compliance {outcome}"] += 1
    now = ny(day, 17, 10)
    with demo_clock(now):
        h.stats["routed"] += len(approvals_start(firm_id=h.firm.pk, now=now))
    _sweep(h, ny(day, 17, 30))


def _database_clock_align(moment: datetime) -> None:
    """The rows the database stamps itself (now(), statement_timestamp(): proposals and
    snapshots written by COPY, the batch row, the custodian's receipts) carry the real time;
    bring the ones just written back to the demo's clock."""
    from drift.models import DriftSnapshot, Proposal
    from trading.models import Batch, SimulatedCustodianOrder

    for model in (Proposal, DriftSnapshot, Batch):
        model.objects.filter(created_at__gt=moment).update(created_at=moment)
    SimulatedCustodianOrder.objects.filter(received_at__gt=moment).update(received_at=moment)


def _sweep(h: History, now: datetime) -> None:
    """The firm's approvals sweep, all but its retry of the signed PDFs: each signature's PDF
    task is published when its session commits, and the worker that `make demo` starts
    renders them (the first real sweeps take any it missed). Rendering ~250 PDFs (0.3-2 s of
    weasyprint each) inside the history would double its time."""
    from approvals.services.sweep import approvals_sweep

    with demo_clock(now):
        report = approvals_sweep(firm_id=h.firm.pk, now=now, render_pdfs=False)
    h.stats["expired"] += len(report.expired)
    h.stats["escalated"] += len(report.escalated)


def _escalations_follow_up(h: History, now: datetime) -> None:
    """The advisor follows up yesterday's escalations: the window is closed, so the proposal
    expires (a fresh one comes from the next scan if the account still drifts)."""
    from approvals.choices import ApprovalStatus
    from approvals.models import Approval
    from approvals.services.expiry import approval_expire

    escalated = Approval.objects.filter(
        status=ApprovalStatus.PENDING, escalated_at__lt=now - timedelta(hours=12)
    ).order_by("pk")
    with demo_clock(now):
        for approval_id in escalated.values_list("pk", flat=True):
            _attempt(
                h,
                "escalation closed",
                lambda a=approval_id: approval_expire(approval_id=a, now=now),
            )


def _refused(exc: Exception) -> bool:
    """A service's own refusal (ApprovalRefused, ReviewRefused, ...): a day's normal 'no'."""
    return any(type(exc).__name__.endswith(s) for s in ("Refused", "NotAllowed", "Busy"))


def _attempt(h: History, name: str, call: Callable[[], object]) -> None:
    try:
        call()
    except Exception as exc:
        if not _refused(exc):
            raise
        h.stats[f"refused {name}"] += 1
        return
    h.stats[name] += 1


def _decisions(h: History, day: date) -> None:
    _officer_reviews(h, ny(day, 10, 45))
    for hh, role in ((11, "advisor"), (12, "senior_advisor"), (13, "committee"), (14, "client")):
        for approval, step in _active_steps(role):
            now = ny(day, hh, h.rng.randrange(60))
            with demo_clock(now):
                if role == "client":
                    _client_decides(h, approval, now)
                else:
                    _staff_decides(h, approval, step, now)


def _active_steps(role: str) -> list:
    from approvals.choices import ApprovalStatus, StepStatus
    from approvals.models import ApprovalStep

    return [
        (step.approval, step)
        for step in ApprovalStep.objects.filter(
            role=role, status=StepStatus.ACTIVE, approval__status=ApprovalStatus.PENDING
        )
        .select_related("approval__proposal__account__client", "approval__proposal__account")
        .order_by("pk")
    ]


def _staff_decides(h: History, approval, step, now: datetime) -> None:
    from approvals.services import step_approve, step_decline

    members = {
        "advisor": [approval.proposal.account.advisor],
        "senior_advisor": [h.staff["senior"]],
        "committee": [h.staff["committee"], h.staff["committee2"]],
    }[step.role]
    draw = h.rng.random()
    for n, member in enumerate(members, 1):
        # The committee's last vote carries its minutes (the step completes with them).
        minutes = _committee_minutes(approval, now) if n == len(members) > 1 else None
        if draw < STAFF_APPROVES:
            _attempt(
                h,
                f"{step.role} approved",
                lambda m=member, doc=minutes: step_approve(
                    approval_id=approval.pk, step_id=step.pk, membership=m, now=now, document=doc
                ),
            )
        elif draw < STAFF_APPROVES + STAFF_DECLINES:
            _attempt(
                h,
                f"{step.role} declined",
                lambda m=member: step_decline(
                    approval_id=approval.pk,
                    step_id=step.pk,
                    membership=m,
                    now=now,
                    comment="Not now: the client's cash needs come first.",
                ),
            )
            return


def _committee_minutes(approval, now: datetime):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = (
        f"Investment committee minutes, {now:%Y-%m-%d %H:%M} New York.\n"
        f"Proposal for account {approval.proposal.account.number} reviewed against the "
        "investment policy statement; approved by quorum.\n"
    )
    return SimpleUploadedFile(
        f"committee-minutes-{approval.pk}.txt", text.encode(), content_type="text/plain"
    )


def _away(email: str) -> bool:
    return random.Random(email).random() < AWAY_SHARE


def _client_decides(h: History, approval, now: datetime) -> None:
    from approvals.choices import AuthMethod
    from approvals.services import approval_client_approve, approval_client_decline
    from approvals.services.decisions import Evidence
    from portal.services.link_sessions import client_user_ensure

    client = approval.proposal.account.client
    draw = h.rng.random()
    if draw >= CLIENT_SIGNS + CLIENT_DECLINES or _away(client.email):
        return  # silent today
    user = client_user_ensure(client=client)
    if draw < CLIENT_SIGNS:
        evidence = Evidence(
            typed_name=client.name,
            ip_address="203.0.113.10",
            user_agent="Mozilla/5.0 (demo)",
            auth_method=AuthMethod.LINK,
            shown_hash=approval.content_hash,
        )
        _attempt(
            h,
            "client signed",
            lambda: approval_client_approve(
                approval_id=approval.pk, user=user, evidence=evidence, now=now
            ),
        )
    else:
        _attempt(
            h,
            "client declined",
            lambda: approval_client_decline(
                approval_id=approval.pk, user=user, reason="I would rather wait.", now=now
            ),
        )


def _officer_reviews(h: History, now: datetime) -> None:
    from compliance.models import ComplianceReview
    from compliance.services.review import review_override, review_reject

    officer = h.staff["compliance"]
    waiting = ComplianceReview.objects.filter(
        status__in=["flagged", "blocked"], proposal__status__in=["flagged", "blocked"]
    )
    for review in waiting.select_related("proposal").order_by("pk"):
        draw = h.rng.random()
        with demo_clock(now):
            if review.status == "flagged" and draw < OFFICER_OVERRIDES:
                _attempt(
                    h,
                    "override",
                    lambda r=review: review_override(
                        review=r,
                        officer=officer,
                        reason="The client's written instruction is on file.",
                    ),
                )
            elif draw < OFFICER_OVERRIDES + OFFICER_REJECTS:
                _attempt(
                    h,
                    "compliance rejected",
                    lambda r=review: review_reject(
                        review=r, officer=officer, reason="Not suitable for this client now."
                    ),
                )


def _monthly_report(h: History, last_day: date) -> None:
    """The scheduled report of the month before the last session's (once: a history taken up
    again after it finds the report there)."""
    from reporting.calc.months import first_business_day, previous_month
    from reporting.services.monthly import monthly_report_ensure

    month = previous_month(last_day.replace(day=1))
    due = first_business_day(last_day.replace(day=1))
    with demo_clock(ny(min(due, last_day), 18, 0)):
        if monthly_report_ensure(firm_id=h.firm.pk, month=month) is not None:
            h.stats["monthly reports"] += 1


def _statistics_refresh() -> None:
    """The book was bulk-loaded a moment ago: without fresh planner statistics Postgres takes
    its tables for empty and joins them row by row (the compliance guard's query then takes
    seconds instead of milliseconds). Autovacuum would get there, after the history."""
    from django.db import connection

    with connection.cursor() as cur:
        for table in (
            "portfolios_account",
            "portfolios_client",
            "portfolios_position",
            "portfolios_taxlot",
            "portfolios_transaction",
            "portfolios_price",
        ):
            cur.execute(f"ANALYZE {table}")


def _expiry_policy_set(firm: Firm, policy: str) -> None:
    from approvals.selectors import approval_settings_get
    from firms.services.audit import audit_record

    settings = approval_settings_get(firm_id=firm.pk)
    if settings.expiry_policy != policy:
        settings.expiry_policy = policy
        settings.save(update_fields=["expiry_policy"])
        audit_record(
            firm_id=firm.pk,
            event="approvals.settings_changed",
            obj=settings,
            payload={"expiry_policy": policy, "by": "demo seed"},
        )
