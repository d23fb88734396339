"""Building proposals by hand for rule tests: exact trades, exact dates."""

from datetime import date, timedelta
from decimal import Decimal

from drift.models import Proposal, ProposalTrade
from portfolios import models as pm
from tests.factories import AccountFactory, ClientFactory, SecurityFactory, make_book

DAY = date(2026, 11, 24)  # a Tuesday: proposals built on its prices trade on Wednesday
TRADE_DAY = date(2026, 11, 25)  # the wash-sale window is counted from here (drift.calc.wash_sale)


def book(firm):
    """make_book with its two ETFs marked diversified (so concentration stays quiet)."""
    b = make_book(firm)
    pm.Security.objects.filter(pk__in=[b["stock"].pk, b["bond"].pk]).update(diversified=True)
    b["cash"] = SecurityFactory(firm=firm, symbol="CASH", asset_class="cash", security_type="cash")
    fund(b["accounts"][0], b["cash"])
    return b


def fund(account, cash, amount="10000"):
    pm.Position.objects.create(
        firm_id=account.firm_id, account=account, security=cash, quantity=Decimal(amount)
    )


def security(firm, symbol, price, **kw):
    s = SecurityFactory(firm=firm, symbol=symbol, **kw)
    if kw.get("security_type") != "cash":
        pm.Price.objects.create(firm=firm, security=s, date=DAY, close=Decimal(str(price)))
    return s


def account_for(firm, b, client=None, **kw):
    client = client or ClientFactory(firm=firm)
    acct = AccountFactory(
        firm=firm, client=client, custodian=b["custodian"], model=b["model"], **kw
    )
    fund(acct, b["cash"])
    return acct


def proposal(
    firm, account, trades, *, as_of=DAY, status="draft", est_costs="0", kind="full", cash_amount="0"
):
    """trades: (security, side, quantity, price, gain) — gain is the sale's realised gain."""
    version = Proposal.objects.filter(account=account).count() + 1
    p = Proposal.objects.create(
        firm=firm,
        account=account,
        version=version,
        kind=kind,
        status=status,
        as_of=as_of,
        content_hash="x" * 64,
        total_value=Decimal("100000"),
        drift_before=0,
        drift_after=0,
        est_costs=Decimal(est_costs),
        cash_amount=Decimal(cash_amount),
    )
    for sec, side, qty, price, gain in trades:
        qty, price = Decimal(str(qty)), Decimal(str(price))
        ProposalTrade.objects.create(
            firm=firm,
            proposal=p,
            security=sec,
            side=side,
            quantity=qty,
            price=price,
            value=qty * price,
            realised_st=Decimal(str(gain)),
            lots=[{"lot": 1, "quantity": float(qty), "gain": float(gain), "term": "short"}]
            if side == "sell"
            else [],
        )
    return p


def txn(firm, account, sec, side, days_before, gain=None, qty=10, price=100):
    return pm.Transaction.objects.create(
        firm=firm,
        account=account,
        security=sec,
        side=side,
        date=DAY - timedelta(days=days_before),
        quantity=Decimal(qty),
        price=Decimal(price),
        realized_gain=None if gain is None else Decimal(str(gain)),
    )
