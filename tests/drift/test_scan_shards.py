"""The sharded scan (drift.services.scan_shards): shards of whole households give the same
snapshots, proposals, trades and harvests as one shard and as the whole-firm scan; a done run is
not run again; a shard already done or being run is skipped; the due check re-enqueues a stalled
run; another firm's shard is invisible."""

from datetime import UTC, date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.db import transaction

from drift import tasks
from drift.models import (
    DriftSnapshot,
    HarvestOpportunity,
    HarvestRule,
    Proposal,
    ProposalTrade,
    ScanRun,
    ScanShard,
    Substitution,
)
from drift.services.rules import drift_rules_ensure_defaults
from drift.services.scan import drift_scan_run
from drift.services.scan_shards import scan_plan, scan_shard_run, shards_cut
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from tests.factories import (
    AccountFactory,
    ClientFactory,
    CustodianFactory,
    ModelPortfolioFactory,
    SecurityFactory,
)

DAY = date(2026, 11, 24)
pytestmark = pytest.mark.django_db


def mixed_book(firm, seed: int = 7) -> list[int]:
    """About 90 accounts of 60 clients, 20 households of two clients, drifted at random, taxable
    accounts with lots bought above and below today's close (harvests, household wash sales)."""
    rng = np.random.default_rng(seed)
    cust = CustodianFactory(firm=firm, supports_fractional=True)
    spec = [
        ("VTI", "us_equity", "100"),
        ("ITOT", "us_equity", "90"),
        ("BND", "fixed_income", "50"),
        ("AGG", "fixed_income", "60"),
        ("VXUS", "intl_equity", "40"),
        ("IXUS", "intl_equity", "45"),
    ]
    sec = {s: SecurityFactory(firm=firm, symbol=s, asset_class=cls) for s, cls, _close in spec}
    for s, _cls, close in spec:
        for back in (0, 1):
            pm.Price.objects.create(
                firm=firm, security=sec[s], date=DAY - timedelta(days=back), close=Decimal(close)
            )
    for a, b in (("VTI", "ITOT"), ("ITOT", "VTI"), ("BND", "AGG"), ("VXUS", "IXUS")):
        pm.Substitute.objects.create(firm=firm, security=sec[a], substitute=sec[b], rank=1)
    models = []
    for name, weights in (
        ("Balanced", {"VTI": 60, "BND": 40}),
        ("Global", {"VTI": 40, "VXUS": 20, "BND": 40}),
    ):
        model = ModelPortfolioFactory(firm=firm, name=name)
        for s, w in weights.items():
            pm.ModelTarget.objects.create(
                firm=firm,
                model=model,
                asset_class=sec[s].asset_class,
                security=sec[s],
                weight=Decimal(w),
            )
        models.append(model)
    drift_rules_ensure_defaults(firm_id=firm.pk)  # once, so every run below names the same rules
    HarvestRule.objects.create(
        firm=firm, segment=None, min_loss_pct=Decimal("5"), min_loss_dollars=Decimal("100")
    )
    households = [pm.Household.objects.create(firm=firm, name=f"H{i}") for i in range(20)]
    ids = []
    for c in range(60):
        client = ClientFactory(firm=firm, household=households[c // 2] if c < 40 else None)
        for _ in range(1 + int(rng.random() < 0.5)):
            taxable = rng.random() < 0.7
            acct = AccountFactory(
                firm=firm,
                client=client,
                custodian=cust,
                model=models[int(rng.integers(0, 2))],
                segment=str(rng.choice(["conservative", "growth", "tax_sensitive"])),
                tax_status="taxable" if taxable else "tax_advantaged",
                registration="taxable" if taxable else "ira",
            )
            ids.append(acct.pk)
            for s, _cls, close in spec:
                if rng.random() < 0.3 and s not in ("VTI", "BND"):
                    continue
                qty = Decimal(str(round(float(rng.uniform(50, 900)), 3)))
                pm.Position.objects.create(firm=firm, account=acct, security=sec[s], quantity=qty)
                if taxable:
                    cost = qty * Decimal(close) * Decimal(str(round(rng.uniform(0.7, 1.3), 3)))
                    pm.TaxLot.objects.create(
                        firm=firm,
                        account=acct,
                        security=sec[s],
                        acquired_on=DAY - timedelta(days=int(rng.integers(40, 900))),
                        quantity=qty,
                        cost_basis=cost.quantize(Decimal("0.01")),
                    )
    return ids


def _dump() -> dict:
    """Everything a scan writes, keyed by account and version, never by row id or time."""
    key = {p.pk: (p.account_id, p.version) for p in Proposal.objects.all()}
    skip = {"id", "created_at", "status_changed_at"}
    proposal_fields = [f.attname for f in Proposal._meta.concrete_fields if f.attname not in skip]
    snap_fields = [f.attname for f in DriftSnapshot._meta.concrete_fields if f.attname not in skip]
    trade_fields = [
        f.attname
        for f in ProposalTrade._meta.concrete_fields
        if f.attname not in skip | {"proposal_id"}
    ]
    return {
        "snapshots": sorted(repr(row) for row in DriftSnapshot.objects.values_list(*snap_fields)),
        "proposals": sorted(repr(row) for row in Proposal.objects.values_list(*proposal_fields)),
        "trades": sorted(
            repr((key[pid], *rest))
            for pid, *rest in ProposalTrade.objects.values_list("proposal_id", *trade_fields)
        ),
        "harvests": sorted(
            repr((key.get(pid), *rest))
            for pid, *rest in HarvestOpportunity.objects.values_list(
                "proposal_id",
                "account_id",
                "as_of",
                "security_id",
                "substitute_id",
                "lots",
                "quantity",
                "loss_st",
                "loss_lt",
                "est_savings",
                "outcome",
            )
        ),
        "substitutions": sorted(
            repr((key[pid], *rest))
            for pid, *rest in Substitution.objects.values_list(
                "proposal_id", "account_id", "security_id", "substitute_id", "sold_on", "status"
            )
        ),
    }


def _sharded(firm_id: int, size: int) -> ScanRun:
    run, pending = scan_plan(firm_id=firm_id, as_of=DAY, shard_size=size)
    for shard_id in pending:
        scan_shard_run(firm_id=firm_id, shard_id=shard_id)
    run.refresh_from_db()
    return run


def _without_timings(counts: dict) -> dict:
    return {k: v for k, v in counts.items() if k not in ("timings", "shards")}


def _rolled_back(fn):
    with transaction.atomic():
        result = fn()
        dump = _dump()
        transaction.set_rollback(True)
    return result, dump


def test_one_shard_and_eight_shards_write_byte_identical_snapshots_and_proposals(scoped):
    ids = mixed_book(scoped)
    one, one_dump = _rolled_back(lambda: _sharded(scoped.pk, size=10_000))
    eight, eight_dump = _rolled_back(lambda: _sharded(scoped.pk, size=-(-len(ids) // 8)))
    whole, whole_dump = _rolled_back(lambda: drift_scan_run(firm_id=scoped.pk, as_of=DAY))

    assert one.shards == 1 and eight.shards >= 7
    assert one.status == eight.status == "done"
    assert one_dump["snapshots"] and len(one_dump["snapshots"]) == len(ids)
    assert one.counts["proposals"] > 10 and one.counts["harvests"] > 0  # the book exercises both
    for part in one_dump:
        assert one_dump[part] == eight_dump[part] == whole_dump[part], part
    assert _without_timings(one.counts) == _without_timings(eight.counts)
    assert _without_timings(one.counts) == _without_timings(whole.counts)


def test_shards_hold_whole_households_of_about_the_size_asked():
    import pandas as pd

    accounts = pd.DataFrame(
        {"account_id": [5, 1, 2, 3, 4, 6, 7], "grp": ["h1", "h1", "c2", "h3", "h1", "c4", "h3"]}
    )
    assert shards_cut(accounts, 2) == [[1, 4, 5], [2], [3, 7], [6]]  # h1 runs past the first 2
    assert shards_cut(accounts, 100) == [[1, 2, 3, 4, 5, 6, 7]]
    assert shards_cut(accounts.iloc[:0], 2) == []


def test_a_done_run_is_not_run_again_and_a_done_shard_is_skipped(scoped):
    mixed_book(scoped)
    run = _sharded(scoped.pk, size=20)
    assert run.status == "done"
    proposals = Proposal.objects.count()
    again, pending = scan_plan(firm_id=scoped.pk, as_of=DAY, shard_size=20)
    assert again.pk == run.pk and pending == []
    shard = ScanShard.objects.filter(run=run).first()
    assert scan_shard_run(firm_id=scoped.pk, shard_id=shard.pk) is None
    assert Proposal.objects.count() == proposals
    assert ScanRun.objects.count() == 1


def test_the_eager_task_runs_every_shard_and_the_run_is_done_once(firm_a, settings):
    settings.DRIFT_SCAN_SHARD_SIZE = 25
    with firm_scope(firm_a):
        mixed_book(firm_a)
    counts = tasks.drift_scan_firm.apply(kwargs={"firm_id": firm_a.pk, "as_of": DAY.isoformat()})
    counts = counts.get()
    with firm_scope(firm_a):
        run = ScanRun.objects.get()
        assert run.status == "done" and run.shards == counts["shards"] >= 3
        assert counts["proposals"] == Proposal.objects.count() > 0
        assert DriftSnapshot.objects.count() == counts["accounts"] == counts["snapshots_written"]


def test_the_due_check_re_enqueues_a_run_whose_shard_is_stalled(
    firm_a, firm_b, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import datetime, timezone

    settings.DRIFT_SCAN_SHARD_REDO_S = 60
    now = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # 17:00 in New York: due
    with firm_scope(firm_a):
        mixed_book(firm_a)
        run, pending = scan_plan(firm_id=firm_a.pk, as_of=DAY, shard_size=30)
        scan_shard_run(firm_id=firm_a.pk, shard_id=pending[0])
        ScanShard.objects.update(enqueued_at=now - timedelta(seconds=30))
    with firm_scope(firm_b):
        ScanRun.objects.create(firm=firm_b, as_of=DAY, status="done")
    sent = []
    monkeypatch.setattr(tasks.drift_scan_firm, "delay", lambda **kw: sent.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.scans_enqueue_due(now=now) == []  # pending, but enqueued 30 s ago
    with firm_scope(firm_a):
        ScanShard.objects.update(enqueued_at=now - timedelta(seconds=61))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.scans_enqueue_due(now=now) == [firm_a.pk]
    assert sent == [{"firm_id": firm_a.pk, "as_of": DAY.isoformat()}]
    with firm_scope(firm_a):
        run, again = scan_plan(firm_id=firm_a.pk, as_of=DAY, shard_size=30)
        assert again == pending[1:]  # the done shard is not enqueued again


def test_another_firms_shard_is_invisible_and_its_task_does_nothing(firm_a, firm_b):
    with firm_scope(firm_a):
        mixed_book(firm_a)
        _run, pending = scan_plan(firm_id=firm_a.pk, as_of=DAY, shard_size=30)
    with firm_scope(firm_b):
        assert not ScanShard.objects.exists()
        assert scan_shard_run(firm_id=firm_b.pk, shard_id=pending[0]) is None
    assert (
        tasks.drift_scan_shard.apply(kwargs={"firm_id": firm_b.pk, "shard_id": pending[0]}).get()
        is None
    )
    with firm_scope(firm_a):
        assert not DriftSnapshot.objects.exists()
        assert not ScanShard.objects.filter(done=True).exists()


def test_a_shard_reads_the_open_proposals_of_its_own_accounts_only(scoped):
    from drift.selectors.scan import open_proposal_accounts

    ids = mixed_book(scoped)
    _sharded(scoped.pk, size=20)
    whole = open_proposal_accounts(DAY)
    assert len(whole) > 10
    half = ids[: len(ids) // 2]
    assert open_proposal_accounts(DAY, half) == whole & set(half)
    assert open_proposal_accounts(DAY, []) == set()
    # An earlier day: only proposals still in flight count, read by key the same way.
    later = DAY + timedelta(days=1)
    assert open_proposal_accounts(later, ids) == open_proposal_accounts(later)
