"""The seeded loop: build the world, run its trading days stage by stage (actions.DAY_STAGES),
check the invariants after every day, and report the first day each one broke."""

import copy
import dataclasses
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.test import override_settings
from django.utils import timezone

from firms.services.tenancy import firm_scope

from .actions import DAY_STAGES, EVENING, EVENTS, attempt
from .invariants import INVARIANTS
from .world import World, build_world, ny

# The simulated custodian part-fills and rejects often enough that every run sees both.
CUSTODIAN = {"reject_rate": 0.15, "partial_rate": 0.2, "latency_s": 0.0}


@dataclass
class SimResult:
    seed: int
    days: list[date]
    stats: dict
    seconds: float
    # invariant -> (first day it broke, the first few violations that day)
    broken: dict = field(default_factory=dict)
    refusals: dict = field(
        default_factory=dict
    )  # "action: message" -> times (the services' own refusals)
    after: object = None  # what the caller's `after(world)` returned (run before the rollback)

    def report(self) -> str:
        lines = [f"seed {self.seed}, {len(self.days)} days from {self.days[0]}:"]
        for name, (day, found) in sorted(self.broken.items()):
            lines.append(
                f"  {name} broke on {day} (day {self.days.index(day) + 1}): " + "; ".join(found[:3])
            )
        return "\n".join(lines)


@contextmanager
def custodian_log(world: World):
    """The simulated custodian with a receipt log, and the senior advisor who pauses while its
    blocks are going out (right after one submission, before the next)."""
    from firms.choices import Role
    from trading.adapters.simulated import SimulatedAdapter
    from trading.services.control import execution_pause

    original, original_fate = SimulatedAdapter.submit, SimulatedAdapter._fate
    members = {fw.firm.pk: fw.members[Role.SENIOR_ADVISOR] for fw in world.firms}
    slugs = {fw.firm.pk: fw.firm.slug for fw in world.firms}
    # client order id -> a key without database ids, so a seed's fills repeat run after run
    stable = {}

    def fate(self, order):
        key = stable.get(order.client_order_id, order.client_order_id)
        report = original_fate(self, _renamed(order, key))
        return dataclasses.replace(
            report,
            client_order_id=order.client_order_id,
            exec_id=report.exec_id.replace(key, order.client_order_id),
        )

    def submit(self, tickets):
        for t in tickets:
            world.received.setdefault(t.client_order_id, timezone.now())
            stable.setdefault(
                t.client_order_id,
                f"{slugs[self.custodian.firm_id]}:{world.day}:{t.symbol}:{t.side}:{len(stable)}",
            )
        acks = original(self, tickets)
        spec = world.pause_mid_batch.pop(self.custodian.firm_id, None)
        if spec is not None:
            attempt(
                world,
                "mid_batch_pause",
                lambda: execution_pause(
                    by=members[self.custodian.firm_id],
                    reason="market stress (thrown mid-batch)",
                    **spec,
                ),
            )
        return acks

    SimulatedAdapter.submit, SimulatedAdapter._fate = submit, fate
    try:
        yield
    finally:
        SimulatedAdapter.submit, SimulatedAdapter._fate = original, original_fate


def _renamed(order, key: str):
    twin = copy.copy(order)
    twin.client_order_id = key
    return twin


def run_day(world: World, day: date) -> None:
    world.day = day
    for fw in world.firms:
        with firm_scope(fw.firm):
            for _name, stage in DAY_STAGES:
                if stage is not None:
                    stage(world, fw, day)
                    continue
                for _event, probability, action in EVENTS:
                    if world.rng.random() < probability:
                        action(world, fw, day)


def check_day(world: World, day: date, only=None) -> dict:
    broken = {}
    now = ny(day, *EVENING)
    for fw in world.firms:
        with firm_scope(fw.firm):
            for name, check in INVARIANTS.items():
                if only and name not in only:
                    continue
                found = check(world, fw, now)
                if found:
                    broken.setdefault(name, []).extend(f"{fw.firm.slug}: {v}" for v in found)
    return broken


def outcomes(world: World) -> dict:
    """What the run produced, from the database: orders, approvals and proposals by state."""
    from collections import Counter

    from approvals.models import Approval
    from drift.models import Proposal
    from trading.models import Order

    counts = Counter()
    for fw in world.firms:
        with firm_scope(fw.firm):
            for prefix, qs in (
                ("order", Order.objects),
                ("approval", Approval.objects),
                ("proposal", Proposal.objects),
            ):
                for status in qs.values_list("status", flat=True):
                    counts[f"{prefix}:{status}"] += 1
    return dict(counts)


def simulate(
    seed: int,
    start: date,
    n_days: int,
    *,
    accounts_per_firm: int = 6,
    only=None,
    stop_at_first: bool = False,
    after=None,
) -> SimResult:
    """Run `n_days` trading days from `start` (inside the caller's test transaction)."""
    t0 = time.perf_counter()
    world = build_world(seed, start, n_days, accounts_per_firm=accounts_per_firm)
    result = SimResult(seed=seed, days=world.days, stats={}, seconds=0.0)
    with override_settings(TRADING_SIMULATED={**CUSTODIAN, "seed": seed}), custodian_log(world):
        for day in world.days:
            run_day(world, day)
            for name, found in check_day(world, day, only).items():
                result.broken.setdefault(name, (day, found))
            if stop_at_first and result.broken:
                break
    result.stats = {**world.stats, **outcomes(world)}
    if after is not None:
        result.after = after(world)
    result.refusals = {
        f"{name}: {message}": n for (name, message), n in world.refusals.most_common()
    }
    result.seconds = time.perf_counter() - t0
    return result
