"""The rules of each kind of file (README.md, "Importing the book"). Kinds are checked in ORDER
(formats.all_kinds), so a file may refer to what an earlier file of the same upload adds (a new
symbol, model, account)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd

from ..choices import (
    AssetClass,
    Liquidity,
    Registration,
    RiskProfile,
    SecurityType,
    Segment,
    Side,
    TaxStatus,
)
from ..models import (
    Account,
    Client,
    Custodian,
    ModelPortfolio,
    ModelTarget,
    Position,
    Price,
    Security,
    TaxLot,
    Transaction,
)
from .formats import all_kinds
from .references import References
from .sheet import Digits, Sheet

MARKET_TZ = ZoneInfo("America/New_York")
WEIGHT_TOTAL, WEIGHT_TOLERANCE = Decimal("100"), Decimal("0.01")


def market_today() -> date:
    return datetime.now(MARKET_TZ).date()


def length(model, field_name: str) -> int:
    return model._meta.get_field(field_name).max_length


def validate_all(sheets: dict[str, Sheet], today: date) -> None:
    refs = References.from_book(account_numbers=referenced_accounts(sheets))
    for kind in all_kinds():
        if kind in sheets:
            VALIDATORS[kind](sheets[kind], refs, today)


def referenced_accounts(sheets: dict[str, Sheet]) -> set[str]:
    numbers: set[str] = set()
    for sheet in sheets.values():
        if sheet.kind != "accounts" and sheet.has("account_number"):
            numbers.update(sheet.raw["account_number"].str.strip().unique())
    return numbers


def symbol_column(sheet: Sheet, refs: References | None = None) -> pd.Series | None:
    symbols = sheet.text("symbol", max_length=length(Security, "symbol"), case="upper")
    if refs is not None:
        sheet.known("symbol", refs.security_classes, "symbol")
    return symbols


def account_column(sheet: Sheet, refs: References) -> None:
    sheet.text("account_number", max_length=length(Account, "number"))
    sheet.known("account_number", refs.accounts, "account")


SYMBOL_SHAPE = (
    r"[A-Z0-9][A-Z0-9._/-]*"  # never = + - @ first: symbols reach trade files and exports
)


def check_securities(sheet: Sheet, refs: References, today: date) -> None:
    symbols = symbol_column(sheet)
    if symbols is not None:
        sheet.report(
            (symbols != "") & ~symbols.str.fullmatch(SYMBOL_SHAPE),
            "symbol",
            lambda v: (
                f'"{v}" is not a symbol (letters, digits and . _ / - only, '
                "starting with a letter or digit)"
            ),
        )
    sheet.text("name", max_length=length(Security, "name"))
    classes = sheet.choice("asset_class", AssetClass)
    types = sheet.choice("security_type", SecurityType)
    sheet.choice("liquidity", Liquidity, default=Liquidity.DAILY)
    diversified = sheet.flag("diversified", blank=None)  # empty: by type (funds yes, others no)
    if diversified is not None and types is not None:
        sheet.report(
            # .eq(True): an object column of True/False/None, so None is not a stock's "yes".
            (types == SecurityType.STOCK) & diversified.eq(True),
            "diversified",
            lambda v: f'"{v}": a stock is never a diversified fund (leave it empty or write no)',
        )
    sheet.unique(["symbol"], "symbol")
    if symbols is not None:
        valid_classes = (
            classes.where(classes.isin(AssetClass.values), None) if classes is not None else None
        )
        refs.add_securities(symbols, valid_classes)


def check_prices(sheet: Sheet, refs: References, today: date) -> None:
    sheet.date("date", latest=today)
    symbol_column(sheet, refs)
    sheet.number("close", Digits.of(Price, "close"), above=True)
    sheet.unique(["date", "symbol"], "date, symbol")


def check_models(sheet: Sheet, refs: References, today: date) -> None:
    sheet.text("model", max_length=length(ModelPortfolio, "name"))
    sheet.choice("asset_class", AssetClass)
    symbol_column(sheet, refs)
    sheet.number("weight", Digits.of(ModelTarget, "weight"), maximum=WEIGHT_TOTAL)
    sheet.unique(["model", "symbol"], "model, symbol")
    check_asset_classes_match(sheet, refs)
    check_weights_sum(sheet)
    refs.add(refs.models, sheet.values.get("model"))


def check_asset_classes_match(sheet: Sheet, refs: References) -> None:
    """A target's asset class is the asset class of the security that holds it."""
    if "asset_class" not in sheet.values or "symbol" not in sheet.values:
        return
    frame = pd.DataFrame(
        {"symbol": sheet.values["symbol"], "asset_class": sheet.values["asset_class"]}
    )
    frame["held"] = frame["symbol"].map(lambda s: refs.security_classes.get(s))
    wrong = frame[frame["held"].notna() & frame["asset_class"].isin(AssetClass.values)]
    wrong = wrong[wrong["held"] != wrong["asset_class"]]
    rows = zip(wrong["symbol"], wrong["held"], wrong["asset_class"], strict=True)
    messages = pd.Series(
        [f"{s} is a {held} security, not {cls}" for s, held, cls in rows],
        index=wrong.index,
        dtype=object,
    )
    sheet.report_each("asset_class", messages)


def check_weights_sum(sheet: Sheet) -> None:
    """Each model's weights add up to 100 (within 0.01); reported on the model's first row."""
    if "weight" not in sheet.values or "model" not in sheet.values:
        return
    frame = pd.DataFrame({"model": sheet.values["model"], "weight": sheet.values["weight"]})
    for name, group in frame[frame["model"] != ""].groupby("model", sort=False):
        if group["weight"].isna().any():
            continue  # a bad weight is reported already
        total = sum(group["weight"], Decimal(0))
        if abs(total - WEIGHT_TOTAL) > WEIGHT_TOLERANCE:
            message = f'the weights of model "{name}" sum to {total.normalize():f}, not 100'
            sheet.log.add(sheet.file, int(group.index[0]), "weight", message)


def check_accounts(sheet: Sheet, refs: References, today: date) -> None:
    sheet.text("account_number", max_length=length(Account, "number"))
    sheet.text("client_name", max_length=length(Client, "name"))
    sheet.email("client_email")
    sheet.email("advisor_email", optional=True)
    sheet.known("advisor_email", refs.advisors, "advisor email")
    sheet.choice("registration", Registration)
    sheet.choice("tax_status", TaxStatus)
    sheet.choice("segment", Segment)
    sheet.choice("risk_profile", RiskProfile)
    sheet.text("custodian", max_length=length(Custodian, "code"), case="lower")
    sheet.known("custodian", refs.custodians, "custodian")
    sheet.text("model", max_length=length(ModelPortfolio, "name"))
    sheet.known("model", refs.models, "model")
    check_no_retired_model(sheet, refs)
    sheet.unique(["account_number"], "account_number")
    check_one_name_per_client(sheet)
    check_tax_status_fits_registration(sheet)
    refs.add(refs.accounts, sheet.values.get("account_number"))


def check_no_retired_model(sheet: Sheet, refs: References) -> None:
    """A retired model is never assigned: only an account already on it may keep it."""
    if not refs.retired_models or "model" not in sheet.keys or "account_number" not in sheet.keys:
        return
    models, numbers = sheet.keys["model"], sheet.keys["account_number"]
    naming = models.isin(list(refs.retired_models))
    if not naming.any():
        return
    on_it = dict(
        Account.objects.filter(number__in=set(numbers[naming])).values_list("number", "model__name")
    )
    current = numbers.map(on_it)
    assigned = models.isin(list(refs.retired_models)) & (current != models)
    sheet.report(assigned, "model", lambda v: f'model "{v}" is retired; choose an active model')


# Registrations whose tax status is fixed by law; trusts and institutions may be either.
REQUIRED_TAX_STATUS = {
    Registration.TAXABLE: TaxStatus.TAXABLE,
    Registration.IRA: TaxStatus.TAX_ADVANTAGED,
    Registration.ROTH: TaxStatus.TAX_ADVANTAGED,
    Registration.K401: TaxStatus.TAX_ADVANTAGED,
}


def check_tax_status_fits_registration(sheet: Sheet) -> None:
    """An IRA marked taxable (or a taxable account marked tax-advantaged) is refused."""
    if "registration" not in sheet.values or "tax_status" not in sheet.values:
        return
    registration, status = sheet.values["registration"], sheet.values["tax_status"]
    required = registration.map(REQUIRED_TAX_STATUS)
    wrong = required.notna() & (status != required) & (status != "")
    messages = pd.Series(
        [
            f"a {Registration(registration[i]).label} account must be "
            f'{TaxStatus(required[i]).label.lower()}, not "{status[i]}"'
            for i in wrong[wrong].index
        ],
        index=wrong[wrong].index,
        dtype=object,
    )
    sheet.report_each("tax_status", messages)


def check_one_name_per_client(sheet: Sheet) -> None:
    """Rows for the same client (matched by email) agree on the client's name."""
    if "client_email" not in sheet.values or "client_name" not in sheet.values:
        return
    frame = pd.DataFrame(
        {"email": sheet.values["client_email"], "name": sheet.values["client_name"]}
    )
    frame = frame[frame["email"] != ""]
    frame["line"] = frame.index
    first = frame.groupby("email", sort=False)[["name", "line"]].transform("first")
    wrong = frame[first["name"] != frame["name"]]
    messages = pd.Series(
        [
            f'{email} is named "{first.at[i, "name"]}" on row {first.at[i, "line"]}'
            for i, email in wrong["email"].items()
        ],
        index=wrong.index,
        dtype=object,
    )
    sheet.report_each("client_name", messages)


def check_positions(sheet: Sheet, refs: References, today: date) -> None:
    account_column(sheet, refs)
    symbol_column(sheet, refs)
    sheet.number("quantity", Digits.of(Position, "quantity"))
    sheet.unique(["account_number", "symbol"], "account_number, symbol")


def check_lots(sheet: Sheet, refs: References, today: date) -> None:
    account_column(sheet, refs)
    symbol_column(sheet, refs)
    sheet.date("acquired_on", latest=today)
    sheet.number("quantity", Digits.of(TaxLot, "quantity"), above=True)
    sheet.number("cost_basis", Digits.of(TaxLot, "cost_basis"))


def check_transactions(sheet: Sheet, refs: References, today: date) -> None:
    account_column(sheet, refs)
    sheet.date("date", latest=today)
    symbol_column(sheet, refs)
    sheet.choice("side", Side)
    sheet.number("quantity", Digits.of(Transaction, "quantity"), above=True)
    sheet.number("price", Digits.of(Transaction, "price"), above=True)
    sheet.number(
        "realized_gain", Digits.of(Transaction, "realized_gain"), minimum=None, optional=True
    )
    sheet.number("cost_basis", Digits.of(Transaction, "realized_gain"), optional=True)
    sheet.unique(["account_number", "date", "symbol", "side", "quantity", "price"], "")


# --- set-up files of the book's own reference data ----------------------------------------

CODE_SHAPE = r"[a-z0-9][a-z0-9_-]*"


def check_custodians(sheet: Sheet, refs: References, today: date) -> None:
    codes = sheet.text("code", max_length=length(Custodian, "code"), case="lower")
    if codes is not None:
        sheet.report(
            (codes != "") & ~codes.str.fullmatch(CODE_SHAPE),
            "code",
            lambda v: f'"{v}" is not a code (lower-case letters, digits, - and _ only)',
        )
    sheet.text("name", max_length=length(Custodian, "name"))
    sheet.number("fee_per_trade", Digits.of(Custodian, "fee_per_trade"), optional=True)
    sheet.number("fee_bps", Digits.of(Custodian, "fee_bps"), optional=True, maximum=Decimal(1000))
    sheet.number(
        "spread_bps", Digits.of(Custodian, "spread_bps"), optional=True, maximum=Decimal(1000)
    )
    sheet.flag("supports_fractional", blank=None)
    sheet.unique(["code"], "code")
    refs.add(refs.custodians, sheet.values.get("code"))


def _two_symbols(sheet: Sheet, refs: References, first: str, second: str) -> None:
    for column in (first, second):
        sheet.text(column, max_length=length(Security, "symbol"), case="upper")
        sheet.known(column, refs.security_classes, "symbol")
    if first in sheet.values and second in sheet.values:
        a, b = sheet.values[first], sheet.values[second]
        sheet.report(
            (a != "") & (a == b), second, lambda v: f"{v} is paired with itself; name another"
        )


def check_substitutes(sheet: Sheet, refs: References, today: date) -> None:
    """A substitute is a fair replacement of the same asset class (tax-loss harvesting, and the
    wash-sale rule's swap)."""
    _two_symbols(sheet, refs, "symbol", "substitute")
    if sheet.has("rank"):
        sheet.number("rank", Digits(4, 0), minimum=Decimal(1), maximum=Decimal(99), optional=True)
    sheet.unique(["symbol", "substitute"], "symbol, substitute")
    if "symbol" in sheet.values and "substitute" in sheet.values:
        classes = refs.security_classes
        pairs = zip(sheet.values["symbol"], sheet.values["substitute"], strict=True)
        wrong = pd.Series(
            [
                bool(s and t and classes.get(s) and classes.get(t))
                and classes.get(s) != classes.get(t)
                for s, t in pairs
            ],
            index=sheet.raw.index,
        )
        sheet.report(
            wrong,
            "substitute",
            lambda v: (
                f"{v} is a {classes.get(v)} security; a substitute has the asset class "
                "of the security it replaces"
            ),
            shown=sheet.values["substitute"],
        )


def check_identical_pairs(sheet: Sheet, refs: References, today: date) -> None:
    """Two securities the wash-sale rule treats as one; (A, B) and (B, A) are the same pair."""
    _two_symbols(sheet, refs, "symbol_a", "symbol_b")
    if sheet.has("note"):
        sheet.text("note", max_length=200, optional=True)
    if "symbol_a" in sheet.values and "symbol_b" in sheet.values:
        a, b = sheet.values["symbol_a"], sheet.values["symbol_b"]
        sheet.keys["pair"] = pd.Series(
            [" ".join(sorted((x, y))) if x and y else "" for x, y in zip(a, b, strict=True)],
            index=a.index,
        )
        sheet.unique(["pair"], "symbol_a, symbol_b")


VALIDATORS = {
    "custodians": check_custodians,
    "substitutes": check_substitutes,
    "identical_pairs": check_identical_pairs,
    "securities": check_securities,
    "prices": check_prices,
    "models": check_models,
    "accounts": check_accounts,
    "positions": check_positions,
    "lots": check_lots,
    "transactions": check_transactions,
}
