"""The CSV formats (README.md, "Importing the book"): one file per kind, applied in this order."""

KINDS = ("securities", "prices", "models", "accounts", "positions", "lots", "transactions")

REQUIRED_COLUMNS = {
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
}

OPTIONAL_COLUMNS = {
    "securities": ("liquidity", "diversified"),
    # A sell's realised gain: the custodian's figure wins; else proceeds less the cost basis of
    # the shares sold; with neither the gain is unknown (the wash-sale check treats it as a
    # possible loss).
    "transactions": ("realized_gain", "cost_basis"),
}


def file_name(kind: str) -> str:
    return f"{kind}.csv"
