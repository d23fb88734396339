"""The fixed catalogue behind the demo: firms, staff, securities, price factors, models,
custodians and the account archetypes that cover every segment, registration and tier."""

from dataclasses import dataclass
from decimal import Decimal

from firms.choices import Role

from ..choices import AssetClass, Liquidity, Registration, RiskProfile, SecurityType, Segment


@dataclass(frozen=True)
class DemoFirm:
    name: str
    slug: str
    seed: int
    # What the approvals sweep does at a deadline: "decline" (the proposal expires) or
    # "escalate" (to the advisor); one firm each, so the demo shows both.
    expiry_policy: str = "decline"


FIRMS = (
    DemoFirm("Harbor Point Advisors", "harbor", 11),
    DemoFirm("Summit Ridge Wealth", "summit", 23, expiry_policy="escalate"),
)


@dataclass(frozen=True)
class StaffSpec:
    login: str  # the local part of the email
    role: str
    segments: tuple[str, ...] = ()  # an advisor's focus: accounts of these segments are theirs


STAFF = (
    StaffSpec("advisor1", Role.ADVISOR, (Segment.CONSERVATIVE, Segment.TAX_SENSITIVE)),
    StaffSpec("advisor2", Role.ADVISOR, (Segment.GROWTH,)),
    StaffSpec("advisor3", Role.ADVISOR, (Segment.HIGH_NET_WORTH, Segment.INSTITUTIONAL)),
    StaffSpec("senior", Role.SENIOR_ADVISOR),
    StaffSpec("committee", Role.COMMITTEE_MEMBER),
    StaffSpec("committee2", Role.COMMITTEE_MEMBER),  # the institutional tier's quorum is 2
    StaffSpec("compliance", Role.COMPLIANCE_OFFICER),
    StaffSpec("ops", Role.OPS),
    StaffSpec("admin", Role.FIRM_ADMIN),
)

FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Wei Aisha Mateo Sofia Hiro Amara "
    "Luca Noor Ravi Elena"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Kim Patel"
).split()

INSTITUTION_KINDS = (
    "Foundation",
    "Family Foundation",
    "College Endowment",
    "Hospital Endowment",
    "Pension Trust",
)


@dataclass(frozen=True)
class Factor:
    """A market driver. Securities on one factor move together, so twins (VOO/IVV) track."""

    drift: float  # annual
    vol: float  # annual
    recent_dip: bool = False  # a pullback in the last weeks: fresh losses to harvest and wash


FACTORS = {
    "us": Factor(0.08, 0.16, recent_dip=True),
    "us_small": Factor(0.07, 0.22, recent_dip=True),
    "intl": Factor(0.06, 0.16, recent_dip=True),
    "em": Factor(0.05, 0.21, recent_dip=True),
    "reit": Factor(0.05, 0.20, recent_dip=True),
    "agg_bond": Factor(0.02, 0.055),
    "tips": Factor(0.025, 0.04),
    "muni": Factor(0.02, 0.045),
    "treasury": Factor(0.015, 0.05),
    "gold": Factor(0.06, 0.15),
    "private_credit": Factor(0.07, 0.05),
    "cash": Factor(0.0, 0.0),
}
RECENT_DIP = 0.91  # equities end ~9% below where they stood a month ago


@dataclass(frozen=True)
class SecuritySpec:
    symbol: str
    name: str
    asset_class: str
    security_type: str
    start: float  # first close of the history
    factor: str
    idio_vol: float = 0.01  # the security's own annual noise on top of its factor
    diversified: bool = False
    liquidity: str = Liquidity.DAILY


US, INTL, EM, FI = (
    AssetClass.US_EQUITY,
    AssetClass.INTL_EQUITY,
    AssetClass.EMERGING_EQUITY,
    AssetClass.FIXED_INCOME,
)
ETF, FUND, STOCK, BOND = (
    SecurityType.ETF,
    SecurityType.MUTUAL_FUND,
    SecurityType.STOCK,
    SecurityType.BOND,
)
SECURITIES = (
    SecuritySpec("VTI", "Vanguard Total Stock Market ETF", US, ETF, 230, "us", diversified=True),
    SecuritySpec(
        "ITOT", "iShares Core S&P Total U.S. Stock Market ETF", US, ETF, 110, "us", diversified=True
    ),
    SecuritySpec(
        "VTSAX", "Vanguard Total Stock Market Index Admiral", US, FUND, 115, "us", diversified=True
    ),
    SecuritySpec("VOO", "Vanguard S&P 500 ETF", US, ETF, 430, "us", 0.005, diversified=True),
    SecuritySpec("IVV", "iShares Core S&P 500 ETF", US, ETF, 470, "us", 0.005, diversified=True),
    SecuritySpec("FXAIX", "Fidelity 500 Index Fund", US, FUND, 165, "us", 0.005, diversified=True),
    SecuritySpec("SCHX", "Schwab U.S. Large-Cap ETF", US, ETF, 58, "us", 0.02, diversified=True),
    SecuritySpec("VB", "Vanguard Small-Cap ETF", US, ETF, 210, "us_small", diversified=True),
    SecuritySpec("AAPL", "Apple Inc.", US, STOCK, 190, "us", 0.25),
    SecuritySpec("MSFT", "Microsoft Corp.", US, STOCK, 370, "us", 0.22),
    SecuritySpec("JPM", "JPMorgan Chase & Co.", US, STOCK, 170, "us", 0.22),
    SecuritySpec("JNJ", "Johnson & Johnson", US, STOCK, 155, "us", 0.15),
    SecuritySpec("XOM", "Exxon Mobil Corp.", US, STOCK, 105, "us", 0.25),
    SecuritySpec("PG", "Procter & Gamble Co.", US, STOCK, 150, "us", 0.15),
    SecuritySpec(
        "VEA", "Vanguard FTSE Developed Markets ETF", INTL, ETF, 47, "intl", diversified=True
    ),
    SecuritySpec(
        "IEFA", "iShares Core MSCI EAFE ETF", INTL, ETF, 70, "intl", 0.02, diversified=True
    ),
    SecuritySpec(
        "VXUS", "Vanguard Total International Stock ETF", INTL, ETF, 58, "intl", diversified=True
    ),
    SecuritySpec(
        "VTIAX", "Vanguard Total Intl Stock Index Admiral", INTL, FUND, 31, "intl", diversified=True
    ),
    SecuritySpec("VWO", "Vanguard FTSE Emerging Markets ETF", EM, ETF, 42, "em", diversified=True),
    SecuritySpec(
        "IEMG", "iShares Core MSCI Emerging Markets ETF", EM, ETF, 52, "em", 0.02, diversified=True
    ),
    SecuritySpec(
        "BND", "Vanguard Total Bond Market ETF", FI, ETF, 72, "agg_bond", 0.003, diversified=True
    ),
    SecuritySpec(
        "AGG",
        "iShares Core U.S. Aggregate Bond ETF",
        FI,
        ETF,
        98,
        "agg_bond",
        0.006,
        diversified=True,
    ),
    SecuritySpec(
        "VBTLX",
        "Vanguard Total Bond Market Index Adm",
        FI,
        FUND,
        9.8,
        "agg_bond",
        0.003,
        diversified=True,
    ),
    SecuritySpec(
        "FXNAX",
        "Fidelity U.S. Bond Index Fund",
        FI,
        FUND,
        10.2,
        "agg_bond",
        0.006,
        diversified=True,
    ),
    SecuritySpec(
        "VTIP",
        "Vanguard Short-Term Infl-Protected ETF",
        FI,
        ETF,
        48,
        "tips",
        0.003,
        diversified=True,
    ),
    SecuritySpec(
        "MUB", "iShares National Muni Bond ETF", FI, ETF, 106, "muni", 0.004, diversified=True
    ),
    SecuritySpec(
        "VTEB", "Vanguard Tax-Exempt Bond ETF", FI, ETF, 50, "muni", 0.006, diversified=True
    ),
    SecuritySpec(
        "VWIUX",
        "Vanguard Interm-Term Tax-Exempt Adm",
        FI,
        FUND,
        13.5,
        "muni",
        0.004,
        diversified=True,
    ),
    SecuritySpec(
        "UST-4.25-2030", "U.S. Treasury Note 4.25% 2030-11-15", FI, BOND, 99.5, "treasury", 0.005
    ),
    SecuritySpec(
        "UST-3.875-2033", "U.S. Treasury Note 3.875% 2033-08-15", FI, BOND, 97.0, "treasury", 0.01
    ),
    SecuritySpec(
        "NYC-GO-5-2034", "New York City GO 5.00% 2034-08-01", FI, BOND, 104.0, "muni", 0.01
    ),
    SecuritySpec(
        "VNQ", "Vanguard Real Estate ETF", AssetClass.REAL_ESTATE, ETF, 85, "reit", diversified=True
    ),
    SecuritySpec(
        "SCHH",
        "Schwab U.S. REIT ETF",
        AssetClass.REAL_ESTATE,
        ETF,
        20,
        "reit",
        0.02,
        diversified=True,
    ),
    SecuritySpec("GLD", "SPDR Gold Shares", AssetClass.ALTERNATIVES, ETF, 185, "gold", 0.005),
    SecuritySpec(
        "PCIF",
        "Private Credit Interval Fund (demo)",
        AssetClass.ALTERNATIVES,
        SecurityType.ALTERNATIVE,
        25,
        "private_credit",
        liquidity=Liquidity.LIMITED,
    ),
    SecuritySpec("CASH", "Cash (sweep)", AssetClass.CASH, SecurityType.CASH, 1, "cash", 0.0),
)
CASH_SYMBOL = "CASH"

# Pairs a firm would treat as substantially identical for wash sales (same index or same
# fund in another wrapper). Everything else in the same asset class is a fair substitute.
# Seeded into the pair table (demo_data.reference_data_create); the seed uses IVV/VOO below.
SUBSTANTIALLY_IDENTICAL_PAIRS = (
    ("VOO", "IVV"),
    ("VOO", "FXAIX"),
    ("IVV", "FXAIX"),
    ("VTI", "ITOT"),
    ("VTI", "VTSAX"),
    ("BND", "VBTLX"),
    ("VXUS", "VTIAX"),
)


@dataclass(frozen=True)
class CustodianSpec:
    code: str
    name: str
    supports_fractional: bool
    fee_bps: Decimal
    cannot_trade: tuple[str, ...] = ()


CUSTODIANS = (
    CustodianSpec("schwab-sim", "Schwab (simulated)", False, Decimal("0"), cannot_trade=("FXAIX",)),
    CustodianSpec("fidelity-sim", "Fidelity (simulated)", True, Decimal("1")),
)


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    risk_profile: str
    targets: tuple[tuple[str, int], ...]  # (symbol, percent); the asset class is the security's


# The default concentration rule flags a single non-diversified security above 10% of an
# account; every model keeps such targets at 8% or less, so a rebalance to target passes.
CONCENTRATION_HEADROOM_PCT = 8


MODELS = (
    ModelSpec(
        "Conservative 30/70",
        "Capital preservation: 30% equity, 70% bonds and cash.",
        RiskProfile.CONSERVATIVE,
        (
            ("VTI", 18),
            ("VEA", 9),
            ("VWO", 3),
            ("BND", 35),
            ("VBTLX", 15),
            ("VTIP", 15),
            (CASH_SYMBOL, 5),
        ),
    ),
    ModelSpec(
        "Balanced 60/40",
        "The classic balance of growth and income.",
        RiskProfile.BALANCED,
        (
            ("VOO", 32),
            ("VB", 8),
            ("VTIAX", 14),
            ("VWO", 6),
            ("BND", 25),
            ("UST-4.25-2030", 8),
            ("VTIP", 5),
            (CASH_SYMBOL, 2),
        ),
    ),
    ModelSpec(
        "Growth 80/20",
        "Long-horizon growth with a sleeve of alternatives.",
        RiskProfile.GROWTH,
        (
            ("VTI", 40),
            ("VB", 10),
            ("VEA", 17),
            ("IEMG", 8),
            ("GLD", 3),
            ("PCIF", 4),
            ("BND", 16),
            (CASH_SYMBOL, 2),
        ),
    ),
    ModelSpec(
        "Tax-Sensitive 50/50",
        "Tax-efficient equity ETFs with municipal bonds.",
        RiskProfile.MODERATE,
        (
            ("ITOT", 30),
            ("IEFA", 15),
            ("IEMG", 5),
            ("MUB", 25),
            ("VWIUX", 14),
            ("NYC-GO-5-2034", 8),
            (CASH_SYMBOL, 3),
        ),
    ),
    ModelSpec(
        "Core & Satellite",
        "An index core with individual stocks, for larger accounts.",
        RiskProfile.GROWTH,
        (
            ("VOO", 35),
            ("AAPL", 5),
            ("MSFT", 5),
            ("JPM", 4),
            ("JNJ", 3),
            ("XOM", 3),
            ("VEA", 10),
            ("VWO", 5),
            ("VNQ", 4),
            ("BND", 14),
            ("UST-3.875-2033", 8),
            (CASH_SYMBOL, 4),
        ),
    ),
    ModelSpec(
        "Institutional Endowment",
        "Endowment-style policy portfolio with real assets and private credit.",
        RiskProfile.BALANCED,
        (
            ("VTI", 30),
            ("VEA", 15),
            ("VWO", 8),
            ("VNQ", 7),
            ("GLD", 5),
            ("PCIF", 8),
            ("AGG", 17),
            ("VTIP", 7),
            (CASH_SYMBOL, 3),
        ),
    ),
)
SEGMENT_MODELS = {
    Segment.CONSERVATIVE: ("Conservative 30/70", "Balanced 60/40"),
    Segment.GROWTH: ("Growth 80/20", "Balanced 60/40"),
    Segment.TAX_SENSITIVE: ("Tax-Sensitive 50/50",),
    Segment.HIGH_NET_WORTH: ("Core & Satellite", "Balanced 60/40", "Growth 80/20"),
    Segment.INSTITUTIONAL: ("Institutional Endowment",),
}


@dataclass(frozen=True)
class Archetype:
    """A client (and maybe a spouse, owner 1) with their accounts: (owner, registration)."""

    segment: str
    accounts: tuple[tuple[int, str], ...]


_R = Registration
# One cycle covers every segment, registration and tier; the book repeats it to size.
ARCHETYPES = (
    Archetype(Segment.CONSERVATIVE, ((0, _R.TAXABLE), (0, _R.IRA))),
    Archetype(Segment.GROWTH, ((0, _R.ROTH),)),
    Archetype(Segment.TAX_SENSITIVE, ((0, _R.TAXABLE),)),
    Archetype(Segment.HIGH_NET_WORTH, ((0, _R.TAXABLE), (0, _R.IRA))),
    Archetype(Segment.GROWTH, ((0, _R.K401),)),
    Archetype(Segment.INSTITUTIONAL, ((0, _R.INSTITUTIONAL),)),
    Archetype(Segment.CONSERVATIVE, ((0, _R.TRUST),)),
    Archetype(Segment.GROWTH, ((0, _R.TAXABLE), (0, _R.IRA))),
    Archetype(Segment.HIGH_NET_WORTH, ((0, _R.TRUST),)),
    Archetype(Segment.TAX_SENSITIVE, ((0, _R.TRUST),)),
    Archetype(Segment.CONSERVATIVE, ((0, _R.IRA),)),
    Archetype(Segment.GROWTH, ((0, _R.TAXABLE),)),
    Archetype(Segment.HIGH_NET_WORTH, ((0, _R.TAXABLE), (0, _R.IRA), (1, _R.ROTH))),
    Archetype(Segment.INSTITUTIONAL, ((0, _R.INSTITUTIONAL),)),
    Archetype(Segment.CONSERVATIVE, ((0, _R.TAXABLE),)),
)
TAX_ADVANTAGED = frozenset(
    {_R.IRA, _R.ROTH, _R.K401, _R.INSTITUTIONAL}
)  # endowments are tax-exempt

# Account values by approval tier, kept clear of the $100k / $500k boundaries.
TIER_RANGES = {
    "small": (20_000, 95_000),
    "mid": (110_000, 480_000),
    "large": (550_000, 3_000_000),
    "institutional": (2_000_000, 25_000_000),
}
RETAIL_TIER_CYCLE = ("small", "mid", "small", "mid", "large")
DRIFTED_SHARE = 0.25
DRIFT_POINTS = (6.0, 12.0)
LOSS_SALE_SHARE = 0.15  # of taxable accounts, on top of the designed household and twin cases
