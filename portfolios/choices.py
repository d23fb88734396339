"""The book's fixed vocabularies (asset classes, registrations, segments, ...): stored values
and the labels pages print."""

from django.db import models


class AssetClass(models.TextChoices):
    US_EQUITY = "us_equity", "US equity"
    INTL_EQUITY = "intl_equity", "International equity"
    EMERGING_EQUITY = "emerging_equity", "Emerging-markets equity"
    FIXED_INCOME = "fixed_income", "Fixed income"
    REAL_ESTATE = "real_estate", "Real estate"
    ALTERNATIVES = "alternatives", "Alternatives"
    CASH = "cash", "Cash"


EQUITY_CLASSES = frozenset(
    {AssetClass.US_EQUITY, AssetClass.INTL_EQUITY, AssetClass.EMERGING_EQUITY}
)


class SecurityType(models.TextChoices):
    ETF = "etf", "ETF"
    MUTUAL_FUND = "mutual_fund", "Mutual fund"
    STOCK = "stock", "Stock"
    BOND = "bond", "Bond"
    ALTERNATIVE = "alternative", "Alternative"
    CASH = "cash", "Cash"


# Funds count as diversified (exempt from the single-security limit) unless the book says
# otherwise; a stock never does.
DIVERSIFIED_BY_DEFAULT = frozenset({SecurityType.ETF.value, SecurityType.MUTUAL_FUND.value})


class Liquidity(models.TextChoices):
    DAILY = "daily", "Daily"
    LIMITED = "limited", "Limited"
    ILLIQUID = "illiquid", "Illiquid"


class Registration(models.TextChoices):
    TAXABLE = "taxable", "Taxable (individual/joint)"
    IRA = "ira", "Traditional IRA"
    ROTH = "roth", "Roth IRA"
    K401 = "401k", "401(k)"
    TRUST = "trust", "Trust"
    INSTITUTIONAL = "institutional", "Institutional"


class TaxStatus(models.TextChoices):
    TAXABLE = "taxable", "Taxable"
    TAX_ADVANTAGED = "tax_advantaged", "Tax-advantaged"


class Segment(models.TextChoices):
    CONSERVATIVE = "conservative", "Conservative"
    GROWTH = "growth", "Growth"
    TAX_SENSITIVE = "tax_sensitive", "Tax-sensitive"
    HIGH_NET_WORTH = "high_net_worth", "High net worth"
    INSTITUTIONAL = "institutional", "Institutional"


class RiskProfile(models.TextChoices):
    CONSERVATIVE = "conservative", "Conservative"
    MODERATE = "moderate", "Moderate"
    BALANCED = "balanced", "Balanced"
    GROWTH = "growth", "Growth"
    AGGRESSIVE = "aggressive", "Aggressive"


class Side(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"
