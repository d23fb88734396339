"""factory-boy factories for the book. Use inside a firm scope; pass firm=."""

from datetime import date
from decimal import Decimal

import factory

from portfolios import models as m
from portfolios.choices import DIVERSIFIED_BY_DEFAULT


class CustodianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Custodian

    code = factory.Sequence(lambda n: f"cust{n}")
    name = factory.Sequence(lambda n: f"Custodian {n}")
    fee_per_trade = Decimal("0.00")


class SecurityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Security

    symbol = factory.Sequence(lambda n: f"SEC{n}")
    name = factory.LazyAttribute(lambda o: f"{o.symbol} Fund")
    asset_class = "us_equity"
    security_type = "etf"
    diversified = factory.LazyAttribute(
        lambda o: o.security_type in DIVERSIFIED_BY_DEFAULT
    )  # as the import does


class ModelPortfolioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ModelPortfolio

    name = factory.Sequence(lambda n: f"Model {n}")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Client

    name = factory.Sequence(lambda n: f"Client {n}")
    email = factory.Sequence(lambda n: f"client{n}@example.test")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Account

    number = factory.Sequence(lambda n: f"ACC{n:06d}")
    registration = "taxable"
    tax_status = "taxable"
    segment = "growth"
    risk_profile = "balanced"


def make_book(firm, *, accounts: int = 1, advisor=None, day: date = date(2026, 11, 24)):
    """A 60/40 model on two ETFs and `accounts` accounts holding it at 66/34 at `day`'s close."""
    cust = CustodianFactory(firm=firm)
    stock = SecurityFactory(firm=firm, symbol="VTI", asset_class="us_equity")
    bond = SecurityFactory(firm=firm, symbol="BND", asset_class="fixed_income")
    m.Price.objects.create(firm=firm, security=stock, date=day, close=Decimal("100"))
    m.Price.objects.create(firm=firm, security=bond, date=day, close=Decimal("50"))
    model = ModelPortfolioFactory(firm=firm, name="Balanced 60/40")
    m.ModelTarget.objects.create(
        firm=firm, model=model, asset_class="us_equity", security=stock, weight=Decimal("60")
    )
    m.ModelTarget.objects.create(
        firm=firm, model=model, asset_class="fixed_income", security=bond, weight=Decimal("40")
    )
    created = []
    for _ in range(accounts):
        client = ClientFactory(firm=firm)
        acct = AccountFactory(
            firm=firm, client=client, custodian=cust, model=model, advisor=advisor
        )
        m.Position.objects.create(firm=firm, account=acct, security=stock, quantity=Decimal("660"))
        m.Position.objects.create(firm=firm, account=acct, security=bond, quantity=Decimal("680"))
        created.append(acct)
    return {"custodian": cust, "stock": stock, "bond": bond, "model": model, "accounts": created}
