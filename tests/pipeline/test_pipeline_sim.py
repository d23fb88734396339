"""The pipeline as a whole: two firms through two weeks of trading days,
every stage through its real service (scan → compliance → approvals → batch → fills →
settle), with imports, model changes, cash raises, client approvals, declines and silences,
expiries and escalations, pauses (also thrown while a batch is sending) and resumes, and a
custodian that part-fills and rejects. After every day the invariants of
tests/pipeline/invariants.py are checked from the database; each is its own test here.

The long run (hundreds of seeds) is test_pipeline_long.py, under `make reliability`."""

from datetime import date, timedelta

import pytest

from .conftest import run_seeds
from .invariants import INVARIANTS

# The runs happen in module fixtures (one transaction per seed, rolled back); the mark makes
# pytest-django set up the test database for them.
pytestmark = pytest.mark.django_db

SEEDS = [
    1,
    2,
    4,
]  # seed 4: with the re-check on import, seeds 1-2 alone no longer draw a client decline
DAYS = 8

# Invariants a known, still open bug breaks, each run as xfail. strict=False so the fix turns
# its test into XPASS; its line here is then deleted. Empty: no invariant is known broken.
KNOWN: dict[str, str] = {}  # invariant → the open bug that breaks it (xfail)


def start_for(seed: int) -> date:
    """Each seed starts on its own Monday-ish date in 2025-2026 (all in the past: the importer
    refuses future-dated transactions)."""
    return date(2025, 1, 6) + timedelta(days=(seed * 37) % 560)


@pytest.fixture(scope="module")
def short_run(django_db_setup, django_db_blocker):
    return run_seeds(django_db_blocker, SEEDS, DAYS, start_for, after={2: tamper})


def _xfail(name):
    return (
        pytest.param(name, marks=pytest.mark.xfail(strict=False, reason=KNOWN[name]))
        if name in KNOWN
        else name
    )


@pytest.mark.parametrize("invariant", [_xfail(name) for name in INVARIANTS])
def test_invariant_holds_after_every_day(short_run, invariant):
    broken = [r for r in short_run if invariant in r.broken]
    assert not broken, "\n".join(r.report() for r in broken)


def test_the_run_exercises_every_stage(short_run):
    """A simulation that never part-fills, declines or pauses proves nothing: every kind of
    event happened in the short run (summed over its seeds)."""
    total = {}
    for r in short_run:
        for k, v in r.stats.items():
            total[k] = total.get(k, 0) + v
    needed = [
        "batch",
        "scan_proposals",
        "routed",
        "client_approve",
        "client_decline",
        "client_silent",
        "step_approve",
        "imports",
        "cash_raise",
        "model_change",
        "pause",
        "resume",
        "mid_batch_pause",
        "order:filled",
        "order:partially_filled",
        "order:rejected",
        "approval:expired",
        "approval:approved",
        "proposal:executed",
    ]
    missing = [k for k in needed if not total.get(k)]
    assert not missing, f"never happened in the short run: {missing}; counts: {total}"
    assert total.get("escalated") or total.get("approval:pending"), (
        "the escalate policy never acted"
    )


TAMPERED = {"audit_chain", "nothing_sent_while_paused", "approvals_end_once"}


def tamper(world):
    """After seed 2's run (which holds these three invariants): forge an audit entry, date a
    pause before a block reached the custodian, leave an approval waiting past its deadline."""
    from approvals.models import Approval
    from firms.models import AuditEntry
    from firms.services.tenancy import firm_scope
    from trading.models import BlockOrder, ExecutionPause
    from trading.services.control import execution_pause

    from .sim import check_day
    from .world import ny

    last = world.days[-1]
    clean = check_day(world, last, only=TAMPERED)
    fw, block = _sent_block(world, BlockOrder, firm_scope)
    with firm_scope(fw.firm):
        pause = execution_pause(by=fw.members["senior_advisor"], scope="firm", reason="tamper")
        ExecutionPause.objects.filter(pk=pause.pk).update(
            paused_at=world.received[block.client_order_id]
        )
        Approval.objects.filter(pk=Approval.objects.order_by("pk").values("pk")[:1]).update(
            status="pending", deadline=ny(last, 9), escalated_at=None
        )
        # A forged entry appended through the application's own connection (what SQL injected
        # into the app could do): it links to the head but its hash is not the keyed one.
        head = AuditEntry.objects.order_by("-seq").first()
        AuditEntry.objects.create(
            firm_id=fw.firm.pk,
            seq=head.seq + 1,
            created_at=head.created_at,
            event="forged",
            payload={"forged": True},
            prev_hash=head.hash,
            hash="f" * 64,
        )
    return {"clean": clean, "tampered": set(check_day(world, last, only=TAMPERED))}


def _sent_block(world, BlockOrder, firm_scope):
    """A firm and one of its blocks the custodian received."""
    for fw in world.firms:
        with firm_scope(fw.firm):
            block = (
                BlockOrder.objects.filter(client_order_id__in=list(world.received))
                .order_by("pk")
                .first()
            )
        if block is not None:
            return fw, block
    raise AssertionError("the run sent no block")


def test_the_invariants_can_fail(short_run):
    """The checks that hold on today's code are not vacuous: each reports its tampering."""
    seed2 = next(r for r in short_run if r.seed == 2)
    assert seed2.after == {"clean": {}, "tampered": TAMPERED}
