"""The simulated world: two firms with small, seeded books, and the sim's own ledger of what
it told the product (the custodian's receipt times, the losses its import files reported).

Everything is built through the product's own services where one exists (firm_create,
member_create, identical_pair_add, ...); plain ORM rows only for the book itself, as the
importer would have written it."""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from firms.choices import Role
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from portfolios.calc.market_calendar import NEW_YORK, trading_days
from tests.conftest import PASSWORD

CENT = Decimal("0.01")
TICK = Decimal("0.0001")
STAFF = (Role.ADVISOR, Role.SENIOR_ADVISOR, Role.COMPLIANCE_OFFICER, Role.OPS)

# symbol: asset class, security type, starting close. VTI/ITOT and BND/AGG are substantially
# identical in each firm's pairs table; SCHB is a fair substitute for VTI.
SECURITIES = {
    "VTI": ("us_equity", "etf", "240"),
    "ITOT": ("us_equity", "etf", "110"),
    "SCHB": ("us_equity", "etf", "55"),
    "VXUS": ("intl_equity", "etf", "60"),
    "BND": ("fixed_income", "etf", "72"),
    "AGG": ("fixed_income", "etf", "98"),
    "CASH": ("cash", "cash", None),
}
IDENTICAL = [("VTI", "ITOT"), ("BND", "AGG")]
# Substitutes the harvester may reach for; ITOT and AGG are on file although the pairs table
# marks them identical (what a firm's data looks like; the builder must not pick them).
SUBSTITUTES = [("VTI", "ITOT", 1), ("VTI", "SCHB", 2), ("BND", "AGG", 1), ("ITOT", "SCHB", 1)]
MODELS = {
    "Growth 60/20/20": {"VTI": 60, "VXUS": 20, "BND": 20},
    "Income 30/70": {"VTI": 30, "BND": 70},
}
RISK = {
    "Growth 60/20/20": "growth",
    "Income 30/70": "moderate",
}  # equity 70-80% / 30-40%: inside the bands
ALT_TARGETS = {  # what a model change moves each model to (and back)
    "Growth 60/20/20": {"VTI": 50, "VXUS": 20, "BND": 30},
    "Income 30/70": {"VTI": 40, "BND": 60},
}


def money(x) -> Decimal:
    return Decimal(str(x)).quantize(CENT, ROUND_HALF_UP)


def ny(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=NEW_YORK)


@dataclass
class FirmWorld:
    firm: object
    members: dict  # role -> Membership
    custodian: object
    secs: dict  # symbol -> Security
    models: dict  # name -> ModelPortfolio
    accounts: list
    client_members: dict  # client_id -> Membership (the client's portal user)
    expiry_policy: str
    wash_severity: str
    alt_targets: dict = field(
        default_factory=dict
    )  # model name -> whether it is on its alternative targets


@dataclass
class World:
    seed: int
    rng: random.Random
    days: list[date]
    firms: list[FirmWorld] = field(default_factory=list)
    # The custodian's receipt log: client order id -> when the simulated custodian got it.
    received: dict = field(default_factory=dict)
    # Transactions the sim imported: transaction id -> (realized gain its file said, the day it was
    # imported).
    imported: dict = field(default_factory=dict)
    # Pauses to throw while a batch is sending: firm_id -> scope kwargs for execution_pause.
    pause_mid_batch: dict = field(default_factory=dict)
    stats: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)  # (action, message) -> times
    day: date | None = None


def history_days(start: date, n: int) -> list[date]:
    return trading_days(start - timedelta(days=2 * n + 10), start - timedelta(days=1))[-n:]


def build_world(seed: int, start: date, n_days: int, *, accounts_per_firm: int = 6) -> World:
    from firms.services.members import firm_create

    rng = random.Random(seed)
    days = trading_days(start, start + timedelta(days=3 * n_days + 10))[:n_days]
    world = World(seed=seed, rng=rng, days=days)
    specs = [
        ("Alpha Sim Advisors", "alpha-sim", False, "decline", "block"),
        ("Bravo Sim Wealth", "bravo-sim", True, "escalate", "flag"),
    ]
    for name, slug, fractional, policy, wash in specs:
        firm = firm_create(name=name, slug=f"{slug}-{seed}")
        with firm_scope(firm):
            world.firms.append(
                _build_firm(rng, firm, start, fractional, policy, wash, accounts_per_firm)
            )
    return world


def _build_firm(rng, firm, start, fractional, policy, wash, n_accounts) -> FirmWorld:
    from approvals.selectors import approval_settings_get
    from compliance.services.rules import compliance_rules_ensure_defaults, identical_pair_add
    from drift.models import ComplianceRule
    from drift.services.rules import drift_rules_ensure_defaults
    from firms.services.members import member_create
    from portfolios.models import Substitute

    members = {
        role: member_create(
            firm=firm,
            email=f"{role}@{firm.slug}.test",
            role=role,
            password=PASSWORD,
            name=f"{role.replace('_', ' ').title()} {firm.slug}",
        )
        for role in STAFF
    }
    cust = pm.Custodian.objects.create(
        firm=firm,
        code="simcust",
        name="Simulated custodian",
        supports_fractional=fractional,
        fee_per_trade=Decimal("1.00"),
    )
    secs = {}
    for sym, (klass, kind, _close) in SECURITIES.items():
        secs[sym] = pm.Security.objects.create(
            firm=firm,
            symbol=sym,
            name=f"{sym} fund",
            asset_class=klass,
            security_type=kind,
            diversified=kind != "cash",
        )
        if kind != "cash":
            pm.CustodianSecurity.objects.create(firm=firm, custodian=cust, security=secs[sym])
    hist = history_days(start, 8)
    closes = {}
    for sym, (_k, _t, close) in SECURITIES.items():
        if close is None:
            continue
        price = Decimal(close)
        for d in hist:
            price = (price * Decimal(str(1 + rng.gauss(0, 0.01)))).quantize(TICK)
            pm.Price.objects.create(firm=firm, security=secs[sym], date=d, close=price)
        closes[sym] = price
    for a, b in IDENTICAL:
        identical_pair_add(firm_id=firm.pk, first=secs[a], second=secs[b], note="same index")
    Substitute.objects.bulk_create(
        [
            Substitute(firm=firm, security=secs[a], substitute=secs[b], rank=r)
            for a, b, r in SUBSTITUTES
        ]
    )
    models = {}
    for mname, weights in MODELS.items():
        model = pm.ModelPortfolio.objects.create(firm=firm, name=mname)
        for sym, w in weights.items():
            pm.ModelTarget.objects.create(
                firm=firm,
                model=model,
                asset_class=secs[sym].asset_class,
                security=secs[sym],
                weight=Decimal(w),
            )
        models[mname] = model
    compliance_rules_ensure_defaults(firm_id=firm.pk)
    ComplianceRule.objects.filter(kind="wash_sale").update(severity=wash)
    drift_rules_ensure_defaults(firm_id=firm.pk)
    settings = approval_settings_get(firm_id=firm.pk)
    settings.expiry_policy = policy
    settings.save(update_fields=["expiry_policy"])
    accounts, client_members = _accounts(
        rng, firm, cust, secs, models, closes, members, n_accounts, start
    )
    return FirmWorld(
        firm,
        members,
        cust,
        secs,
        models,
        accounts,
        client_members,
        policy,
        wash,
        alt_targets={m: False for m in models},
    )


def _accounts(rng, firm, cust, secs, models, closes, members, n, start):
    """Households of two clients (a taxable account and an IRA each side), then singles. Values
    span the three routing tiers (client only; advisor + client; senior + client)."""
    from firms.services.members import member_create

    accounts, client_members = [], {}
    households = [
        pm.Household.objects.create(firm=firm, name=f"Household {i}") for i in range(max(1, n // 3))
    ]
    for i in range(n):
        household = households[i // 2] if i // 2 < len(households) else None
        client = pm.Client.objects.create(
            firm=firm, name=f"Client {i}", email=f"client{i}@{firm.slug}.test", household=household
        )
        member = member_create(
            firm=firm, email=client.email, role=Role.CLIENT, password=PASSWORD, name=client.name
        )
        client.user = member.user
        client.save(update_fields=["user"])
        client_members[client.pk] = member
        ira = i % 2 == 1
        model = models[list(models)[i % len(models)]]
        acct = pm.Account.objects.create(
            firm=firm,
            number=f"{firm.slug[:5].upper()}{i:04d}",
            client=client,
            registration="ira" if ira else "taxable",
            tax_status="tax_advantaged" if ira else "taxable",
            custodian=cust,
            segment=rng.choice(["tax_sensitive", "conservative", "growth"]),
            risk_profile=RISK[model.name],
            model=model,
            advisor=members[Role.ADVISOR],
            opened_on=start - timedelta(days=800),
        )
        value = Decimal(rng.choice([60_000, 85_000, 150_000, 320_000, 700_000]))
        _holdings(rng, firm, acct, secs, model, closes, value, start)
        accounts.append(acct)
    return accounts, client_members


def _holdings(rng, firm, acct, secs, model, closes, value, start):
    """The model's targets, drifted by up to ±8 points, plus 1–3% cash; each holding in one or
    two lots whose cost per share is 85%–120% of today's price (some lots stand at a loss)."""
    targets = {t.security.symbol: float(t.weight) for t in model.targets.select_related("security")}
    drifted = {s: max(1.0, w + rng.uniform(-8, 8)) for s, w in targets.items()}
    total = sum(drifted.values())
    cash_pct = rng.uniform(0.01, 0.03)
    for sym, w in drifted.items():
        qty = (value * Decimal(str(w / total * (1 - cash_pct))) / closes[sym]).quantize(
            Decimal("1")
        )
        if qty <= 0:
            continue
        pm.Position.objects.create(firm=firm, account=acct, security=secs[sym], quantity=qty)
        split = qty // 2 if qty > 1 and rng.random() < 0.5 else qty
        for part in [split, qty - split] if split != qty else [qty]:
            cost = money(part * closes[sym] * Decimal(str(rng.uniform(0.85, 1.2))))
            pm.TaxLot.objects.create(
                firm=firm,
                account=acct,
                security=secs[sym],
                quantity=part,
                cost_basis=cost,
                acquired_on=start - timedelta(days=rng.randint(40, 500)),
            )
    pm.Position.objects.create(
        firm=firm,
        account=acct,
        security=secs["CASH"],
        quantity=money(value * Decimal(str(cash_pct))),
    )
