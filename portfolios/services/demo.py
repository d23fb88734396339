"""Deterministic demo data.

Two firms, staff of every role, ~2 years of synthetic NYSE closes, model portfolios, and
hundreds of accounts across every segment, registration and approval tier, with positions,
tax lots and transactions — including recent loss sales that wash-sale checks must find.

Fixed seeds: the same `as_of`, account count and history length give the same rows. A firm
that already exists (by slug) is left alone, so running the seed twice adds nothing. Each
firm is written in one transaction, so a failed run leaves nothing half-made to skip over.
"""

import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import cache

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from firms.choices import ADMIN_SITE_ROLES, Role
from firms.models import AuditEntry, Firm, Membership
from firms.selectors import firm_find
from firms.services.audit import audit_record
from firms.services.members import firm_create, member_create
from firms.services.tenancy import firm_scope

from ..calc.market_calendar import latest_completed_session, trading_days
from ..choices import EQUITY_CLASSES, Registration, SecurityType, Segment, Side, TaxStatus
from ..models import (
    Account,
    Client,
    Custodian,
    CustodianSecurity,
    Household,
    ModelPortfolio,
    ModelTarget,
    Position,
    Price,
    Security,
    SubstantiallyIdenticalPair,
    Substitute,
    TaxLot,
    Transaction,
)
from .demo_catalogue import (  # the fixed catalogue
    ARCHETYPES,
    CASH_SYMBOL,
    CUSTODIANS,
    DRIFT_POINTS,
    DRIFTED_SHARE,
    FACTORS,
    FIRMS,
    FIRST_NAMES,
    INSTITUTION_KINDS,
    LAST_NAMES,
    LOSS_SALE_SHARE,
    MODELS,
    RECENT_DIP,
    RETAIL_TIER_CYCLE,
    SECURITIES,
    SEGMENT_MODELS,
    STAFF,
    SUBSTANTIALLY_IDENTICAL_PAIRS,
    TAX_ADVANTAGED,
    TIER_RANGES,
    Archetype,
    DemoFirm,
    Factor,
    ModelSpec,
    SecuritySpec,
)

DEMO_PASSWORD = "demo-pass-2026"
LOGIN_PATH = "/accounts/login/"  # allauth's login page, as mounted in rebalance_site/urls.py
# The demo's book: small enough that seed_demo lives 60 sessions of it through the pipeline in
# a few minutes (README, "make demo"); the load test seeds 420 (loadtest/prepare.sh).
DEFAULT_ACCOUNTS_PER_FIRM = 60
DEFAULT_HISTORY_DAYS = 730
CLIENT_LOGINS = 5
BATCH = 5000
PRICE_SEED = 20260101  # one market for both firms: the same securities close at the same prices
CENT = Decimal("0.01")
WHOLE = Decimal("1")
FRACTION = Decimal("0.001")

Log = Callable[[str], None]


# --- Entry points --------------------------------------------------------------------------


@dataclass
class FirmSeedResult:
    name: str
    slug: str
    created: bool
    counts: dict[str, int]


@dataclass(frozen=True)
class DemoLogin:
    firm: str
    role: str
    email: str


def demo_seed(
    *,
    accounts_per_firm: int = DEFAULT_ACCOUNTS_PER_FIRM,
    history_days: int = DEFAULT_HISTORY_DAYS,
    as_of: date | None = None,
    now: datetime | None = None,
    log: Log = lambda line: None,
) -> list[FirmSeedResult]:
    """Seed every demo firm that does not exist yet. Prices end at `as_of`, by default the
    latest completed NYSE session at `now` (the real clock unless given)."""
    as_of = as_of or demo_as_of(now)
    return [firm_seed_once(spec, accounts_per_firm, history_days, as_of, log) for spec in FIRMS]


def demo_as_of(now: datetime | None = None) -> date:
    return latest_completed_session(now or timezone.now())


def demo_logins() -> list[DemoLogin]:
    logins = []
    for spec in FIRMS:
        logins += [DemoLogin(spec.name, Role(s.role).label, _email(s.login, spec)) for s in STAFF]
        logins += [
            DemoLogin(spec.name, Role.CLIENT.label, _client_email(n, spec))
            for n in range(1, CLIENT_LOGINS + 1)
        ]
    return logins


def firm_seed_once(
    spec: DemoFirm, accounts: int, history_days: int, as_of: date, log: Log
) -> FirmSeedResult:
    firm = demo_firm_find(spec.slug)
    if firm is not None:
        log(f"{spec.name}: demo data already present")
        with firm_scope(firm):
            return FirmSeedResult(spec.name, spec.slug, False, firm_row_counts())
    with transaction.atomic():
        firm = firm_create(name=spec.name, slug=spec.slug)
        with firm_scope(firm):
            counts = firm_book_seed(firm, spec, accounts, history_days, as_of, log)
    return FirmSeedResult(spec.name, spec.slug, True, counts)


def demo_firm_find(slug: str) -> Firm | None:
    return firm_find(slug)


COUNTED_MODELS = (
    Membership,
    Custodian,
    CustodianSecurity,
    Security,
    Price,
    ModelPortfolio,
    ModelTarget,
    Household,
    Client,
    Account,
    Position,
    TaxLot,
    Transaction,
    AuditEntry,
)


def firm_row_counts() -> dict[str, int]:
    """Rows of each book table the current firm scope sees."""
    return {m._meta.model_name: m.objects.count() for m in COUNTED_MODELS}


# --- One firm ------------------------------------------------------------------------------


@dataclass
class Market:
    """The trading days of the history and each security's closes on them."""

    days: list[date]
    closes: dict[str, list[Decimal]]

    def close(self, symbol: str, day_index: int) -> Decimal:
        return self.closes[symbol][day_index]

    def last_close(self, symbol: str) -> Decimal:
        return self.closes[symbol][-1]


@dataclass
class Book:
    firm: Firm
    spec: DemoFirm
    rng: random.Random
    market: Market
    staff: dict[str, Membership] = field(default_factory=dict)
    custodians: dict[str, Custodian] = field(default_factory=dict)
    securities: dict[str, Security] = field(default_factory=dict)
    models: dict[str, ModelPortfolio] = field(default_factory=dict)


def firm_book_seed(
    firm: Firm, spec: DemoFirm, accounts: int, history_days: int, as_of: date, log: Log
) -> dict:
    days = trading_days(as_of - timedelta(days=history_days), as_of)
    book = Book(firm, spec, random.Random(spec.seed), Market(days, synthetic_closes(len(days))))
    with _step(log, spec, "staff"):
        staff_create(book)
    with _step(log, spec, "custodians and securities"):
        custodians_create(book)
        securities_create(book)
    with _step(log, spec, f"prices ({len(days)} sessions {days[0]} .. {days[-1]})"):
        prices_create(book)
    with _step(log, spec, "model portfolios"):
        models_create(book)
    with _step(log, spec, f"{accounts} accounts"):
        plans = accounts_create(book, accounts)
    with _step(log, spec, "positions, lots and transactions"):
        holdings_create(book, plans)
    with _step(log, spec, "substantially identical pairs and substitutes"):
        reference_data_create(firm.pk, SUBSTANTIALLY_IDENTICAL_PAIRS)
    payload = {"as_of": as_of.isoformat(), **firm_row_counts()}
    audit_record(firm_id=firm.pk, event="demo.seeded", obj=firm, payload=payload)
    counts = firm_row_counts()
    log(f"{spec.name}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return counts


@contextmanager
def _step(log: Log, spec: DemoFirm, what: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    log(f"{spec.name}: {what} … {time.monotonic() - started:.1f}s")


# --- Reference data: substantially identical pairs and substitutes --------------------------

SUBSTITUTES_PER_SECURITY = 2


def reference_data_create(firm_id: int, pairs) -> None:
    """The pairs a wash sale treats as one, and substitutes (same asset class, not identical)
    so a wash sale or a harvest comes with a suggestion. Idempotent: existing rows are kept."""
    securities = {s.symbol: s for s in Security.objects.exclude(security_type="cash")}
    rows = [
        sorted((securities[a].pk, securities[b].pk))
        for a, b in pairs
        if a in securities and b in securities
    ]
    SubstantiallyIdenticalPair.objects.bulk_create(
        [
            SubstantiallyIdenticalPair(firm_id=firm_id, security_a_id=a, security_b_id=b)
            for a, b in rows
        ],
        ignore_conflicts=True,
    )
    identical = {(a, b) for a, b in rows} | {(b, a) for a, b in rows}
    Substitute.objects.bulk_create(
        _substitutes(firm_id, list(securities.values()), identical), ignore_conflicts=True
    )


def _substitutes(firm_id: int, securities: list[Security], identical: set) -> list[Substitute]:
    """For each diversified fund: the other diversified funds of its class, not identical to it."""
    funds = sorted((s for s in securities if s.diversified), key=lambda s: s.symbol)
    out = []
    for s in funds:
        fair = [
            c
            for c in funds
            if c.asset_class == s.asset_class and c.pk != s.pk and (s.pk, c.pk) not in identical
        ]
        out += [
            Substitute(firm_id=firm_id, security=s, substitute=c, rank=n)
            for n, c in enumerate(fair[:SUBSTITUTES_PER_SECURITY], 1)
        ]
    return out


# --- Staff and client logins ---------------------------------------------------------------


def _email(login: str, spec: DemoFirm) -> str:
    return f"{login}@{spec.slug}.demo"


def _client_email(n: int, spec: DemoFirm) -> str:
    return _email(f"client{n}", spec)


@cache
def _demo_password_hash() -> str:
    # Hashing is deliberately slow (~0.3 s); the demo password is public, so hash it once.
    return make_password(DEMO_PASSWORD)


def _set_demo_password(memberships: list[Membership], *, django_admin: bool = False) -> None:
    users = get_user_model().objects.filter(pk__in=[m.user_id for m in memberships])
    users.update(password=_demo_password_hash())
    if django_admin:
        users.update(is_staff=True)


def staff_create(book: Book) -> None:
    for spec in STAFF:
        book.staff[spec.login] = member_create(
            firm=book.firm,
            email=_email(spec.login, book.spec),
            role=spec.role,
            name=_person_name(book.rng),
        )
    _set_demo_password(list(book.staff.values()))
    _set_demo_password(
        [book.staff[s.login] for s in STAFF if s.role in ADMIN_SITE_ROLES], django_admin=True
    )


def _person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


# --- Custodians, securities, prices, models ------------------------------------------------


def custodians_create(book: Book) -> None:
    for spec in CUSTODIANS:
        book.custodians[spec.code] = Custodian.objects.create(
            firm=book.firm,
            code=spec.code,
            name=spec.name,
            supports_fractional=spec.supports_fractional,
            fee_per_trade=Decimal("0"),
            fee_bps=spec.fee_bps,
            adapter="simulated",
        )


def securities_create(book: Book) -> None:
    rows = Security.objects.bulk_create(
        Security(
            firm=book.firm,
            symbol=s.symbol,
            name=s.name,
            asset_class=s.asset_class,
            security_type=s.security_type,
            liquidity=s.liquidity,
            diversified=s.diversified,
        )
        for s in SECURITIES
    )
    book.securities = {s.symbol: s for s in rows}
    CustodianSecurity.objects.bulk_create(
        CustodianSecurity(firm=book.firm, custodian=book.custodians[c.code], security=security)
        for c in CUSTODIANS
        for symbol, security in book.securities.items()
        if symbol not in c.cannot_trade
    )


def synthetic_closes(sessions: int, seed: int = PRICE_SEED) -> dict[str, list[Decimal]]:
    """Geometric random walks: each security follows its factor plus its own noise."""
    rng = np.random.default_rng(seed)
    factors = {name: _factor_log_returns(rng, sessions, f) for name, f in FACTORS.items()}
    return {s.symbol: _security_closes(rng, s, factors[s.factor]) for s in SECURITIES}


def _factor_log_returns(rng: np.random.Generator, sessions: int, factor: Factor) -> np.ndarray:
    daily_vol = factor.vol / math.sqrt(252)
    returns = rng.normal(factor.drift / 252 - daily_vol**2 / 2, daily_vol, sessions)
    if factor.recent_dip:
        dip = slice(max(1, sessions - 18), max(1, sessions - 6))
        span = len(range(*dip.indices(sessions)))
        if span:
            returns[dip] += math.log(RECENT_DIP) / span
    return returns


def _security_closes(
    rng: np.random.Generator, spec: SecuritySpec, factor_returns: np.ndarray
) -> list[Decimal]:
    noise = rng.normal(0.0, spec.idio_vol / math.sqrt(252), len(factor_returns))
    path = spec.start * np.exp(np.cumsum(factor_returns + noise))
    places = 3 if spec.security_type == SecurityType.BOND else 2
    floor = 10.0**-places
    return [Decimal(f"{max(x, floor):.{places}f}") for x in path]


def prices_create(book: Book) -> None:
    firm, days = book.firm, book.market.days
    Price.objects.bulk_create(
        (
            Price(firm=firm, security=security, date=day, close=close)
            for symbol, security in book.securities.items()
            for day, close in zip(days, book.market.closes[symbol])
        ),
        batch_size=BATCH,
    )


def models_create(book: Book) -> None:
    for spec in MODELS:
        book.models[spec.name] = ModelPortfolio.objects.create(
            firm=book.firm, name=spec.name, description=spec.description
        )
    ModelTarget.objects.bulk_create(
        ModelTarget(
            firm=book.firm,
            model=book.models[spec.name],
            asset_class=book.securities[symbol].asset_class,
            security=book.securities[symbol],
            weight=Decimal(weight),
        )
        for spec in MODELS
        for symbol, weight in spec.targets
    )


# --- Clients, households, accounts ---------------------------------------------------------

MODEL_SPECS = {m.name: m for m in MODELS}
SEGMENT_ADVISOR = {segment: s.login for s in STAFF for segment in s.segments}


@dataclass
class AccountPlan:
    account: Account
    value: Decimal  # the account's value at the last close, by construction
    model: ModelSpec
    drift_points: float  # equity over (+) or under (−) target; 0 = roughly on target


def accounts_create(book: Book, count: int) -> list[AccountPlan]:
    households, clients, plans = _book_plan(book, count)
    Household.objects.bulk_create(households)
    _client_logins_create(book, clients)
    Client.objects.bulk_create(clients)
    Account.objects.bulk_create([p.account for p in plans], batch_size=BATCH)
    return plans


def _book_plan(book: Book, count: int) -> tuple[list[Household], list[Client], list[AccountPlan]]:
    households, clients, plans = [], [], []
    cycle = 0
    while len(plans) < count:
        for archetype in ARCHETYPES:
            if len(plans) >= count:
                break
            owners = _archetype_clients(book, archetype, len(clients))
            if len(archetype.accounts) > 1:
                household = _household(book, owners[0], len(households) + 1)
                households.append(household)
                for client in owners:
                    client.household = household
            clients += owners
            model = MODEL_SPECS[_pick(SEGMENT_MODELS[archetype.segment], cycle)]
            for owner, registration in archetype.accounts[: count - len(plans)]:
                plans.append(
                    _account_plan(
                        book, owners[owner], archetype.segment, registration, model, len(plans)
                    )
                )
        cycle += 1
    return households, clients, plans


def _household(book: Book, head: Client, number: int) -> Household:
    return Household(firm=book.firm, name=f"{head.name.split()[-1]} household #{number}")


def _pick(options: tuple, n: int):
    return options[n % len(options)]


def _archetype_clients(book: Book, archetype: Archetype, numbered: int) -> list[Client]:
    """The archetype's clients, indexed by owner number; a spouse shares the family name."""
    last = book.rng.choice(LAST_NAMES)
    owners = len({owner for owner, _ in archetype.accounts})
    names = [_client_name(book.rng, last, archetype.segment) for _ in range(owners)]
    return [
        _client(book, name, numbered + i + 1, archetype.segment) for i, name in enumerate(names)
    ]


def _client_name(rng: random.Random, last: str, segment: str) -> str:
    if segment == Segment.INSTITUTIONAL:
        return f"{last} {rng.choice(INSTITUTION_KINDS)}"
    return f"{rng.choice(FIRST_NAMES)} {last}"


def _client(book: Book, name: str, number: int, segment: str) -> Client:
    wealthy = segment in (Segment.HIGH_NET_WORTH, Segment.INSTITUTIONAL)
    return Client(
        firm=book.firm,
        name=name,
        email=_client_email(number, book.spec),
        # Alternatives need eligibility; a few growth clients lack it so suitability has work.
        alternatives_eligible=wealthy or (segment == Segment.GROWTH and number % 10 != 7),
        short_term_tax_rate=Decimal("0.3700") if wealthy else Decimal("0.3200"),
        long_term_tax_rate=Decimal("0.2000") if wealthy else Decimal("0.1500"),
    )


def _client_logins_create(book: Book, clients: list[Client]) -> None:
    members = [
        member_create(firm=book.firm, email=client.email, role=Role.CLIENT, name=client.name)
        for client in clients[:CLIENT_LOGINS]
    ]
    for client, member in zip(clients, members):
        client.user = member.user
    _set_demo_password(members)


def _account_plan(
    book: Book, client: Client, segment: str, registration: str, model: ModelSpec, n: int
) -> AccountPlan:
    rng = book.rng
    tier = _tier(segment, registration, n)
    # A client keeps all their accounts at one custodian (seeded by the client's email).
    custodian = _pick(CUSTODIANS, random.Random(client.email).randrange(2)).code
    account = Account(
        firm=book.firm,
        number=f"{book.spec.slug[:3].upper()}-{n + 1:05d}",
        client=client,
        registration=registration,
        tax_status=TaxStatus.TAX_ADVANTAGED
        if registration in TAX_ADVANTAGED
        else TaxStatus.TAXABLE,
        custodian=book.custodians[custodian],
        segment=segment,
        risk_profile=model.risk_profile,
        model=book.models[model.name],
        advisor=book.staff[SEGMENT_ADVISOR[segment]],
        opened_on=book.market.days[0] - timedelta(days=rng.randint(14, 900)),
    )
    drift = 0.0
    if rng.random() < DRIFTED_SHARE:
        drift = rng.uniform(*DRIFT_POINTS) * (1 if rng.random() < 0.8 else -1)
    return AccountPlan(account, _log_uniform_value(rng, *TIER_RANGES[tier]), model, drift)


def _tier(segment: str, registration: str, n: int) -> str:
    if segment == Segment.INSTITUTIONAL:
        return "institutional"
    if segment == Segment.HIGH_NET_WORTH:  # wealth sits in the taxable and trust accounts
        return "large" if registration in (Registration.TAXABLE, Registration.TRUST) else "mid"
    return _pick(RETAIL_TIER_CYCLE, n)


def _log_uniform_value(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(low * (high / low) ** rng.random()).quantize(CENT)


# --- Positions, lots, transactions ---------------------------------------------------------


@dataclass
class Lot:
    day: int  # index into market.days
    quantity: Decimal


@dataclass
class Holding:
    account: Account
    security: Security
    quantity: Decimal
    lots: list[Lot]  # empty for cash


@dataclass
class Sale:
    account: Account
    security: Security
    bought: int
    sold: int
    quantity: Decimal


def holdings_create(book: Book, plans: list[AccountPlan]) -> None:
    holdings = {p.account.pk: _account_holdings(book, p) for p in plans}
    sales = _loss_sales(book, plans, holdings)
    all_holdings = [h for hs in holdings.values() for h in hs]
    Position.objects.bulk_create(
        (
            Position(firm=book.firm, account=h.account, security=h.security, quantity=h.quantity)
            for h in all_holdings
        ),
        batch_size=BATCH,
    )
    TaxLot.objects.bulk_create(_tax_lots(book, all_holdings), batch_size=BATCH)
    Transaction.objects.bulk_create(_transactions(book, all_holdings, sales), batch_size=BATCH)


def _account_holdings(book: Book, plan: AccountPlan) -> list[Holding]:
    """Quantities that put the account at its (drifted) weights at the last close; the cash
    position takes what whole-share rounding leaves, so the value is exactly plan.value."""
    holdings, invested = [], Decimal("0")
    for symbol, weight in _account_weights(book, plan).items():
        price = book.market.last_close(symbol)
        step = _quantity_step(book.securities[symbol], plan.account.custodian)
        quantity = (plan.value * weight / 100 / price).quantize(step, ROUND_DOWN)
        if quantity > 0:
            invested += quantity * price
            holdings.append(
                Holding(
                    plan.account, book.securities[symbol], quantity, _lots(book, quantity, step)
                )
            )
    cash = (plan.value - invested).quantize(CENT, ROUND_DOWN)
    holdings.append(Holding(plan.account, book.securities[CASH_SYMBOL], cash, []))
    return holdings


def _account_weights(book: Book, plan: AccountPlan) -> dict[str, Decimal]:
    """Non-cash weights in percent: on target with a little noise, or equity shifted by
    plan.drift_points at the expense of the other invested classes."""
    weights = {symbol: float(w) for symbol, w in plan.model.targets if symbol != CASH_SYMBOL}
    equity = {s for s in weights if book.securities[s].asset_class in EQUITY_CLASSES}
    other = set(weights) - equity
    if plan.drift_points and equity and other:
        _shift(weights, equity, other, plan.drift_points)
    else:
        budget = sum(weights.values())
        noisy = {s: w * book.rng.uniform(0.96, 1.04) for s, w in weights.items()}
        weights = {s: w * budget / sum(noisy.values()) for s, w in noisy.items()}
    return {s: Decimal(f"{w:.4f}") for s, w in weights.items()}


def _shift(weights: dict[str, float], gain: set[str], lose: set[str], points: float) -> None:
    gain_total, lose_total = sum(weights[s] for s in gain), sum(weights[s] for s in lose)
    points = max(min(points, 0.8 * lose_total), -0.8 * gain_total)  # never below zero
    for s in gain:
        weights[s] += points * weights[s] / gain_total
    for s in lose:
        weights[s] -= points * weights[s] / lose_total


def _quantity_step(security: Security, custodian: Custodian) -> Decimal:
    # Whole shares for stocks, ETFs and bonds; funds fractional where the custodian allows.
    fractional_type = security.security_type in (SecurityType.MUTUAL_FUND, SecurityType.ALTERNATIVE)
    return FRACTION if fractional_type and custodian.supports_fractional else WHOLE


def _lots(book: Book, quantity: Decimal, step: Decimal) -> list[Lot]:
    """1–4 lots bought on distinct days of the history, before the last month (the recent
    month holds only the designed wash-sale purchases)."""
    rng, days = book.rng, book.market.days
    cutoff = days[-1] - timedelta(days=31)
    eligible = [i for i, d in enumerate(days) if d < cutoff] or list(range(len(days)))
    parts = min(rng.randint(1, 4), int(quantity / step), len(eligible))
    when = sorted(rng.sample(eligible, parts))
    return [Lot(day, q) for day, q in zip(when, _split(quantity, step, parts, rng))]


def _split(quantity: Decimal, step: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    units = int(quantity / step)
    cuts = sorted(rng.sample(range(1, units), parts - 1))
    bounds = [0, *cuts, units]
    return [(b - a) * step for a, b in zip(bounds, bounds[1:])]


def _tax_lots(book: Book, holdings: list[Holding]) -> Iterator[TaxLot]:
    for h in holdings:
        for lot in h.lots:
            price = book.market.close(h.security.symbol, lot.day)
            yield TaxLot(
                firm=book.firm,
                account=h.account,
                security=h.security,
                acquired_on=book.market.days[lot.day],
                quantity=lot.quantity,
                cost_basis=(lot.quantity * price).quantize(CENT),
            )


def _transactions(book: Book, holdings: list[Holding], sales: list[Sale]) -> Iterator[Transaction]:
    """A buy per lot; for each loss sale, the buy of the lot it sold and the sale itself."""
    for h in holdings:
        for lot in h.lots:
            yield _trade(book, h.account, h.security, lot.day, lot.quantity, Side.BUY)
    for s in sales:
        yield _trade(book, s.account, s.security, s.bought, s.quantity, Side.BUY)
        closes = book.market.closes[s.security.symbol]
        gain = s.quantity * (closes[s.sold] - closes[s.bought])
        yield _trade(
            book,
            s.account,
            s.security,
            s.sold,
            s.quantity,
            Side.SELL,
            realized_gain=gain.quantize(CENT),
        )


def _trade(
    book: Book,
    account: Account,
    security: Security,
    day: int,
    quantity: Decimal,
    side: str,
    **extra,
) -> Transaction:
    return Transaction(
        firm=book.firm,
        account=account,
        security=security,
        date=book.market.days[day],
        side=side,
        quantity=quantity,
        price=book.market.close(security.symbol, day),
        **extra,
    )


# --- Recent loss sales: what wash-sale checks and harvesting must find ---------------------


def _loss_sales(
    book: Book, plans: list[AccountPlan], holdings: dict[int, list[Holding]]
) -> list[Sale]:
    sales = _household_ira_washes(book, plans, holdings)
    sales += _twin_swaps(book, plans, holdings, skip={s.account.pk for s in sales})
    sold_in = {s.account.pk for s in sales}
    for plan in plans:
        account = plan.account
        if account.is_taxable and account.pk not in sold_in and book.rng.random() < LOSS_SALE_SHARE:
            held = [
                h.security for h in holdings[account.pk] if h.security.asset_class in EQUITY_CLASSES
            ]
            sale = _loss_sale(book, plan, book.rng.choice(held)) if held else None
            sales += [sale] if sale else []
    return sales


def _household_ira_washes(
    book: Book, plans: list[AccountPlan], holdings: dict[int, list[Holding]]
) -> list[Sale]:
    """A client sells at a loss in their taxable account and buys the same security in their
    IRA days later: a wash sale across accounts (every third such client, and the first)."""
    sales = []
    for n, (taxable, ira) in enumerate(_taxable_ira_pairs(plans)):
        if n % 3:
            continue
        ira_holdings = {h.security.symbol: h for h in holdings[ira.account.pk] if h.lots}
        candidates = [
            h.security
            for h in holdings[taxable.account.pk]
            if h.security.asset_class in EQUITY_CLASSES and h.security.symbol in ira_holdings
        ]
        sale = _loss_sale(book, taxable, book.rng.choice(candidates)) if candidates else None
        if sale and _rebuy_after(book, sale, ira_holdings[sale.security.symbol]):
            sales.append(sale)
    return sales


def _taxable_ira_pairs(plans: list[AccountPlan]) -> list[tuple[AccountPlan, AccountPlan]]:
    by_client: dict[int, dict[str, AccountPlan]] = {}
    for plan in plans:
        by_client.setdefault(plan.account.client.pk, {})[plan.account.registration] = plan
    return [
        (regs[Registration.TAXABLE], regs[Registration.IRA])
        for regs in by_client.values()
        if Registration.TAXABLE in regs and Registration.IRA in regs
    ]


TWIN_SOLD, TWIN_HELD = "IVV", "VOO"


def _twin_swaps(
    book: Book, plans: list[AccountPlan], holdings: dict[int, list[Holding]], skip: set[int]
) -> list[Sale]:
    """Sold IVV at a loss and bought VOO (substantially identical) within days, in the same
    taxable account — the swap a careless harvest makes (the first such account, then ~1 in 5)."""
    sales = []
    for plan in plans:
        held = {h.security.symbol: h for h in holdings[plan.account.pk]}
        eligible = plan.account.is_taxable and plan.account.pk not in skip and TWIN_HELD in held
        if not eligible or (sales and book.rng.random() > 0.2):
            continue
        sale = _loss_sale(book, plan, book.securities[TWIN_SOLD])
        if sale and _rebuy_after(book, sale, held[TWIN_HELD]):
            sales.append(sale)
    return sales


def _loss_sale(book: Book, plan: AccountPlan, security: Security) -> Sale | None:
    """A sale in the last 30 days of shares bought earlier at a higher price (≥3% loss)."""
    rng, market = book.rng, book.market
    closes = market.closes[security.symbol]
    recent = [i for i, d in enumerate(market.days[:-3]) if (market.days[-1] - d).days <= 28]
    for sold in rng.sample(recent, len(recent)):
        dearer = [i for i in range(sold - 1) if closes[i] > closes[sold] * Decimal("1.03")]
        if dearer:
            value = plan.value * Decimal(rng.uniform(0.02, 0.06))
            quantity = max(WHOLE, (value / closes[sold]).quantize(WHOLE, ROUND_DOWN))
            return Sale(plan.account, security, rng.choice(dearer), sold, quantity)
    return None


def _rebuy_after(book: Book, sale: Sale, holding: Holding) -> bool:
    """Move the holding's latest lot to a session 1–14 sessions after the sale (inside the
    30-day window), so the repurchase is real: lot, buy transaction and position agree."""
    after = list(range(sale.sold + 1, min(len(book.market.days), sale.sold + 15)))
    if not after or not holding.lots:
        return False
    latest = max(holding.lots, key=lambda lot: lot.day)
    latest.day = book.rng.choice(after)
    return True
