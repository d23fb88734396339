"""The demo seed: idempotent, complete, on the NYSE calendar, consistent, isolated.

The book is seeded once for the module (a small one: 40 accounts, 60 days) inside a
transaction that is rolled back at the end; each test runs in a savepoint within it.
"""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max, Q, Sum

from firms.choices import Role
from firms.models import AuditEntry, Membership
from firms.services.db_security import firm_owned_tables
from firms.services.tenancy import firm_scope
from portfolios.calc.market_calendar import trading_days
from portfolios.choices import EQUITY_CLASSES, Registration, Segment, Side, TaxStatus
from portfolios.models import Account, Client, ModelPortfolio, Position, Price, TaxLot, Transaction
from portfolios.services.demo import (
    DEMO_PASSWORD,
    FIRMS,
    demo_as_of,
    demo_firm_find,
    demo_seed,
    synthetic_closes,
)

AS_OF = date(2025, 12, 15)  # 60 days back covers Thanksgiving 2025 and its early close
HISTORY_DAYS = 60
SEED = {"accounts_per_firm": 40, "history_days": HISTORY_DAYS, "as_of": AS_OF}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        results = demo_seed(**SEED)
        yield {r.slug: r for r in results}
        transaction.set_rollback(True)


@pytest.fixture
def firms(seeded, db):
    return {spec.slug: demo_firm_find(spec.slug) for spec in FIRMS}


def _each_firm(firms):
    for firm in firms.values():
        with firm_scope(firm):
            yield firm


def _account_values() -> dict[int, Decimal]:
    """Each account's value at the last close, in the current firm scope."""
    last = Price.objects.aggregate(d=Max("date"))["d"]
    closes = dict(Price.objects.filter(date=last).values_list("security_id", "close"))
    values: dict[int, Decimal] = defaultdict(Decimal)
    for account_id, security_id, quantity in Position.objects.values_list(
        "account_id", "security_id", "quantity"
    ):
        values[account_id] += quantity * closes[security_id]
    return values


def _approval_tier(registration: str, value: Decimal) -> str:
    if registration == Registration.INSTITUTIONAL:
        return "institutional"
    if value < Decimal("100000"):
        return "under 100k"
    return "100k-500k" if value <= Decimal("500000") else "over 500k"


def test_both_firms_are_created_on_the_first_run(seeded):
    assert [(r.slug, r.created) for r in seeded.values()] == [("harbor", True), ("summit", True)]
    assert seeded["harbor"].counts["account"] == 40


def test_a_second_run_creates_nothing_new(seeded, firms):
    users_before = get_user_model().objects.count()
    again = demo_seed(**SEED)
    assert [r.created for r in again] == [False, False]
    assert {r.slug: r.counts for r in again} == {slug: r.counts for slug, r in seeded.items()}
    assert get_user_model().objects.count() == users_before


def test_every_role_exists_in_each_firm_and_only_ops_and_admins_reach_django_admin(firms):
    for _ in _each_firm(firms):
        members = Membership.objects.select_related("user")
        assert {m.role for m in members} == set(Role.values)
        assert {m.role for m in members if m.user.is_staff} == {Role.OPS, Role.FIRM_ADMIN}
        assert Membership.objects.filter(role=Role.ADVISOR).count() == 3


def test_demo_users_log_in_with_the_demo_password(firms):
    user = get_user_model().objects.get(email="advisor1@harbor.demo")
    assert user.check_password(DEMO_PASSWORD)


def test_client_users_are_linked_to_their_client_records(firms):
    for _ in _each_firm(firms):
        linked = Client.objects.filter(user__isnull=False).select_related("user")
        assert len(linked) == 5
        assert all(
            c.user.email == c.email and c.user.membership.role == Role.CLIENT for c in linked
        )


def test_accounts_cover_every_approval_tier_segment_and_registration(firms):
    for _ in _each_firm(firms):
        values = _account_values()
        accounts = list(Account.objects.all())
        assert {_approval_tier(a.registration, values[a.pk]) for a in accounts} == {
            "under 100k",
            "100k-500k",
            "over 500k",
            "institutional",
        }
        assert {a.segment for a in accounts} == set(Segment.values)
        assert {a.registration for a in accounts} == set(Registration.values)


def test_tax_status_follows_the_registration(firms):
    advantaged = {
        Registration.IRA,
        Registration.ROTH,
        Registration.K401,
        Registration.INSTITUTIONAL,
    }
    for _ in _each_firm(firms):
        for registration, tax_status in Account.objects.values_list(
            "registration", "tax_status"
        ).distinct():
            expected = TaxStatus.TAX_ADVANTAGED if registration in advantaged else TaxStatus.TAXABLE
            assert tax_status == expected, registration


def test_households_group_a_clients_taxable_account_and_ira(firms):
    for _ in _each_firm(firms):
        grouped = Account.objects.filter(client__household__isnull=False)
        assert grouped.filter(registration=Registration.IRA).exists()
        client_id = (
            grouped.filter(registration=Registration.IRA)
            .values_list("client_id", flat=True)
            .first()
        )
        assert grouped.filter(client_id=client_id, registration=Registration.TAXABLE).exists()


def test_every_account_has_an_advisor_of_the_firm(firms):
    for _ in _each_firm(firms):
        assert not Account.objects.filter(advisor__isnull=True).exists()
        assert set(Account.objects.values_list("advisor__role", flat=True)) == {Role.ADVISOR}


def test_model_targets_sum_to_100(firms):
    for _ in _each_firm(firms):
        sums = ModelPortfolio.objects.annotate(total=Sum("targets__weight")).values_list(
            "total", flat=True
        )
        assert len(sums) >= 5 and set(sums) == {Decimal("100")}


def test_prices_fall_on_nyse_trading_days_only(firms):
    expected = set(trading_days(AS_OF - timedelta(days=HISTORY_DAYS), AS_OF))
    for _ in _each_firm(firms):
        dates = set(Price.objects.values_list("date", flat=True).distinct())
        assert dates == expected
        assert date(2025, 11, 27) not in dates and date(2025, 11, 28) in dates
        assert not Price.objects.filter(close__lte=0).exists()
        assert set(
            Price.objects.filter(security__symbol="CASH").values_list("close", flat=True)
        ) == {Decimal("1")}


def test_every_position_is_backed_by_lots_summing_to_its_quantity(firms):
    for _ in _each_firm(firms):
        lots = {
            (r["account_id"], r["security_id"]): r["q"]
            for r in TaxLot.objects.values("account_id", "security_id").annotate(q=Sum("quantity"))
        }
        invested = Position.objects.exclude(security__symbol="CASH")
        positions = invested.values_list("account_id", "security_id", "quantity")
        assert positions and all(lots.get((a, s)) == q for a, s, q in positions)
        assert set(
            Position.objects.filter(security__symbol="CASH").values_list("account_id", flat=True)
        ) == set(Account.objects.values_list("pk", flat=True))


def test_buys_less_sales_match_the_positions(firms):
    for _ in _each_firm(firms):
        net: dict[tuple, Decimal] = defaultdict(Decimal)
        for account_id, security_id, side, quantity in Transaction.objects.values_list(
            "account_id", "security_id", "side", "quantity"
        ):
            net[(account_id, security_id)] += quantity if side == Side.BUY else -quantity
        held = {
            (a, s): q
            for a, s, q in Position.objects.exclude(security__symbol="CASH").values_list(
                "account_id", "security_id", "quantity"
            )
        }
        assert {k: v for k, v in net.items() if v} == held


def test_lots_record_cost_at_the_close_of_their_purchase_day(firms):
    for _ in _each_firm(firms):
        lot = TaxLot.objects.order_by("pk").first()
        close = Price.objects.get(security=lot.security, date=lot.acquired_on).close
        assert lot.cost_basis == (lot.quantity * close).quantize(Decimal("0.01"))


def test_recent_loss_sales_exist_in_taxable_accounts(firms):
    for _ in _each_firm(firms):
        sales = Transaction.objects.filter(side=Side.SELL)
        assert sales.exists()
        assert not sales.filter(realized_gain__gte=0).exists()
        assert not sales.exclude(account__tax_status=TaxStatus.TAXABLE).exists()
        assert not sales.filter(date__lt=AS_OF - timedelta(days=30)).exists()


def test_a_client_rebought_in_their_ira_what_they_sold_at_a_loss_in_taxable(firms):
    for _ in _each_firm(firms):
        found = False
        for sale in Transaction.objects.filter(
            side=Side.SELL, account__registration=Registration.TAXABLE
        ):
            found = (
                found
                or Transaction.objects.filter(
                    side=Side.BUY,
                    security=sale.security,
                    account__client_id=sale.account.client_id,
                    account__registration=Registration.IRA,
                    date__gt=sale.date,
                    date__lte=sale.date + timedelta(days=30),
                ).exists()
            )
        assert found


def _equity_drift_points() -> dict[int, Decimal]:
    """Per account: equity weight minus the model's equity target, in points, at the last close."""
    last = Price.objects.aggregate(d=Max("date"))["d"]
    closes = dict(Price.objects.filter(date=last).values_list("security_id", "close"))
    equity: dict[int, Decimal] = defaultdict(Decimal)
    rows = Position.objects.filter(security__asset_class__in=EQUITY_CLASSES)
    for account_id, security_id, quantity in rows.values_list(
        "account_id", "security_id", "quantity"
    ):
        equity[account_id] += quantity * closes[security_id]
    is_equity = Q(targets__asset_class__in=EQUITY_CLASSES)
    targets = dict(
        ModelPortfolio.objects.annotate(eq=Sum("targets__weight", filter=is_equity)).values_list(
            "pk", "eq"
        )
    )
    values = _account_values()
    return {
        a.pk: 100 * equity[a.pk] / values[a.pk] - targets[a.model_id] for a in Account.objects.all()
    }


def test_about_a_quarter_of_accounts_are_visibly_drifted_in_equity(firms):
    for _ in _each_firm(firms):
        drift = _equity_drift_points()
        drifted = [d for d in drift.values() if abs(d) >= 6]
        assert 0.1 <= len(drifted) / len(drift) <= 0.45
        assert all(abs(d) < 13 for d in drift.values())


def test_a_firms_scope_sees_none_of_the_other_firms_rows(firms):
    harbor, summit = firms["harbor"], firms["summit"]
    with firm_scope(harbor):
        assert not Account.objects.filter(firm=summit).exists()
        with connection.cursor() as cur:
            for table in firm_owned_tables():
                cur.execute(f'SELECT DISTINCT firm_id FROM "{table}"')
                assert {r[0] for r in cur.fetchall()} <= {harbor.pk}, table
        assert Account.objects.count() == 40


def test_each_firm_records_that_it_was_seeded(firms):
    for _ in _each_firm(firms):
        assert AuditEntry.objects.filter(event="demo.seeded").count() == 1


def test_both_firms_see_one_market_but_hold_different_books(firms):
    books = {}
    for firm in _each_firm(firms):
        voo = list(
            Price.objects.filter(security__symbol="VOO")
            .order_by("date")
            .values_list("close", flat=True)
        )
        books[firm.slug] = (voo, sorted(Client.objects.values_list("name", flat=True)))
    assert books["harbor"][0] == books["summit"][0]
    assert books["harbor"][1] != books["summit"][1]


def test_synthetic_prices_are_the_same_every_run():
    assert synthetic_closes(30) == synthetic_closes(30)


def test_by_default_prices_end_at_the_latest_completed_session():
    assert demo_as_of(datetime(2026, 11, 27, 17, 59, tzinfo=UTC)) == date(2026, 11, 25)
    assert demo_as_of(datetime(2026, 11, 27, 18, 1, tzinfo=UTC)) == date(2026, 11, 27)


def test_every_model_passes_the_default_concentration_rule_with_room_to_spare():
    """A non-diversified target on the 10% limit is flagged as soon as its price ticks up."""
    from drift.calc.rule_params import DEFAULTS
    from drift.choices import RuleKind
    from portfolios.services.demo_catalogue import (
        CONCENTRATION_HEADROOM_PCT,
        MODELS,
        SECURITIES,
    )

    limit = Decimal(DEFAULTS[RuleKind.CONCENTRATION][1]["max_pct"])
    specs = {s.symbol: s for s in SECURITIES}
    applies = DEFAULTS[RuleKind.CONCENTRATION][1]["security_types"]
    for model in MODELS:
        for symbol, weight in model.targets:
            spec = specs[symbol]
            if spec.security_type in applies and not spec.diversified:
                assert weight <= CONCENTRATION_HEADROOM_PCT < limit, (model.name, symbol)
