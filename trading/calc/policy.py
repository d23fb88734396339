"""Order policy (pure): market or limit, and the limit price rounded the safe way."""

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from portfolios.choices import Side

from ..choices import OrderType

CENT = Decimal("0.01")
DEFAULT_LIMIT_PCT = Decimal("1")


def order_type_for(security_type: str, limit_types) -> str:
    """Limit orders for the firm's limit types (individual securities by default), market
    orders for the rest (liquid ETFs and mutual funds)."""
    return OrderType.LIMIT if security_type in set(limit_types) else OrderType.MARKET


def limit_price_for(side: str, price: Decimal, pct: Decimal = DEFAULT_LIMIT_PCT) -> Decimal:
    """A buy never pays more than price × (1 + pct): round down. A sell never takes less than
    price × (1 − pct): round up. 123.45 at 1% → buy 124.68, sell 122.22."""
    if price <= 0:
        raise ValueError(f"A limit needs a positive price, got {price}")
    step = Decimal(pct) / 100
    if side == Side.BUY:
        return (price * (1 + step)).quantize(CENT, rounding=ROUND_FLOOR)
    return (price * (1 - step)).quantize(CENT, rounding=ROUND_CEILING)
