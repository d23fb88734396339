"""The CSV formats (README.md, "Importing the book"; docs/CSV_FORMATS.md): one file per kind,
applied in ORDER. The book's seven kinds and portfolios' set-up files are listed here; a later
stage adds its set-up files (drift rules, compliance rules, routing tiers, email templates)
through registry.register_kind when it starts, so portfolios never imports it."""

from core.formatting import count

# The book itself.
KINDS = ("securities", "prices", "models", "accounts", "positions", "lots", "transactions")

REQUIRED_COLUMNS = {
    "custodians": ("code", "name"),
    "securities": ("symbol", "name", "asset_class", "security_type"),
    "prices": ("date", "symbol", "close"),
    "models": ("model", "asset_class", "symbol", "weight"),
    "accounts": (
        "account_number",
        "client_name",
        "client_email",
        "advisor_email",
        "registration",
        "tax_status",
        "custodian",
        "segment",
        "risk_profile",
        "model",
    ),
    "positions": ("account_number", "symbol", "quantity"),
    "lots": ("account_number", "symbol", "acquired_on", "quantity", "cost_basis"),
    "transactions": ("account_number", "date", "symbol", "side", "quantity", "price"),
    "substitutes": ("symbol", "substitute"),
    "identical_pairs": ("symbol_a", "symbol_b"),
}

OPTIONAL_COLUMNS = {
    "custodians": ("fee_per_trade", "fee_bps", "spread_bps", "supports_fractional"),
    "securities": ("liquidity", "diversified"),
    # A sell's realised gain: the custodian's figure wins; else proceeds less the cost basis of
    # the shares sold; with neither the gain is unknown (the wash-sale check treats it as a
    # possible loss).
    "transactions": ("realized_gain", "cost_basis"),
    "substitutes": ("rank",),
    "identical_pairs": ("note",),
}

# Every kind → its place in the import: files are checked and written in this order, so a file
# may name what an earlier file of the same upload adds (a custodian, a symbol, a rule).
ORDER = {
    "custodians": 5,
    **{kind: 10 * (i + 1) for i, kind in enumerate(KINDS)},  # securities 10 … transactions 70
    "substitutes": 80,
    "identical_pairs": 85,
}


def all_kinds() -> tuple[str, ...]:
    """Every kind the import reads, in the order applied (book and set-up files)."""
    return tuple(sorted(ORDER, key=ORDER.__getitem__))


def setup_kinds() -> tuple[str, ...]:
    """The set-up files: reference data and rules, everything but the book's seven."""
    return tuple(k for k in all_kinds() if k not in KINDS)


def file_name(kind: str) -> str:
    return f"{kind}.csv"


def counts_summary(counts: dict[str, int]) -> str:
    """What an import wrote, as the pages say it: `accounts.csv: 12 rows, models.csv: 1 row`."""
    return ", ".join(
        f"{file_name(kind)}: {count(n, 'row')}"
        for kind, n in sorted(counts.items(), key=lambda kv: ORDER.get(kv[0], len(ORDER)))
    )
