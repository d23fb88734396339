"""Writing a validated upload: every kind in one transaction, set-based
(core.pgcopy.insert_model_rows), never a statement per row. Upserts are INSERT … ON CONFLICT
on each kind's natural key."""

from decimal import Decimal

import pandas as pd
from django.db import DatabaseError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from core import locks
from core.pgcopy import insert_model_rows
from firms.choices import Role
from firms.models import Membership

from ..choices import DIVERSIFIED_BY_DEFAULT, Liquidity
from ..models import (
    Account,
    Client,
    Custodian,
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
from .formats import all_kinds, file_name


class WriteRefused(Exception):
    """The database refused a write (a constraint, a protected row); all of it rolled back."""

    def __init__(self, kind: str, error: Exception):
        self.file = file_name(kind)
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        super().__init__(f"the database refused these rows, so nothing was imported: {detail}")


def write_book(firm_id: int, frames: dict[str, pd.DataFrame], say) -> dict[str, int]:
    """Write every kind present, in ORDER, in one transaction; {kind: rows written}.

    A database error anywhere (foreign keys are checked at commit) rolls all of it back and
    is raised as WriteRefused naming the file being written when it happened.
    """
    counts: dict[str, int] = {}
    kinds = [k for k in all_kinds() if k in frames]
    kind = kinds[0]
    try:
        with transaction.atomic():
            locks.xact_lock(locks.BOOK_IMPORT, firm_id)
            for kind in kinds:
                counts[kind] = WRITERS[kind](firm_id, frames[kind])
                say(f"wrote {counts[kind]:,} {kind}")
    except DatabaseError as exc:
        raise WriteRefused(kind, exc) from exc
    return counts


# --- lookups of what now exists (run after the earlier kinds were written) ---------------


def symbol_ids() -> dict[str, int]:
    return dict(Security.objects.values_list("symbol", "id"))


def account_ids(numbers) -> dict[str, int]:
    return dict(Account.objects.filter(number__in=list(numbers)).values_list("number", "id"))


def staff_membership_ids() -> dict[str, int]:
    rows = Membership.objects.exclude(role=Role.CLIENT).values_list("user__email", "id")
    return {email.lower(): pk for email, pk in rows if email}


# --- one writer per kind ----------------------------------------------------------------


def write_securities(firm_id: int, frame: pd.DataFrame) -> int:
    """Upsert by symbol; liquidity and diversified change only when the file has the column.
    Diversified where the file does not say: ETFs and mutual funds yes, anything else no."""
    optional = [c for c in ("liquidity", "diversified") if c in frame]
    by_type = frame["security_type"].isin(DIVERSIFIED_BY_DEFAULT)
    said = frame["diversified"] if "diversified" in frame else [None] * len(frame)
    rows = frame[["symbol", "name", "asset_class", "security_type"]].assign(
        liquidity=frame["liquidity"] if "liquidity" in frame else Liquidity.DAILY.value,
        diversified=[bool(t) if s is None else bool(s) for s, t in zip(said, by_type, strict=True)],
    )
    update = ["name", "asset_class", "security_type", *optional]
    return insert_model_rows(Security, firm_id, rows, conflict=["symbol"], update=update)


def write_prices(firm_id: int, frame: pd.DataFrame) -> int:
    rows = pd.DataFrame(
        {
            "security": frame["symbol"].map(symbol_ids()),
            "date": frame["date"],
            "close": frame["close"],
        }
    )
    return insert_model_rows(Price, firm_id, rows, conflict=["security", "date"], update=["close"])


def write_models(firm_id: int, frame: pd.DataFrame) -> int:
    """Create the models named, then replace each one's targets with the file's."""
    names = frame["model"].drop_duplicates()
    insert_model_rows(ModelPortfolio, firm_id, pd.DataFrame({"name": names}), conflict=["name"])
    model_ids = dict(
        ModelPortfolio.objects.filter(name__in=names.tolist()).values_list("name", "id")
    )
    ModelTarget.objects.filter(model_id__in=model_ids.values()).delete()
    rows = pd.DataFrame(
        {
            "model": frame["model"].map(model_ids),
            "asset_class": frame["asset_class"],
            "security": frame["symbol"].map(symbol_ids()),
            "weight": frame["weight"],
        }
    )
    return insert_model_rows(ModelTarget, firm_id, rows)


def write_accounts(firm_id: int, frame: pd.DataFrame) -> int:
    """Upsert by number; clients are matched, or created, by email."""
    custodians = {code.lower(): pk for code, pk in Custodian.objects.values_list("code", "id")}
    advisors = staff_membership_ids()
    rows = pd.DataFrame(
        {
            "number": frame["account_number"],
            "client": frame["client_email"].map(upsert_clients(firm_id, frame)),
            "registration": frame["registration"],
            "tax_status": frame["tax_status"],
            "custodian": frame["custodian"].map(custodians),
            "segment": frame["segment"],
            "risk_profile": frame["risk_profile"],
            "model": frame["model"].map(dict(ModelPortfolio.objects.values_list("name", "id"))),
            "advisor": pd.Series(
                [advisors.get(email) for email in frame["advisor_email"]],
                index=frame.index,
                dtype=object,
            ),
        }
    )
    return insert_model_rows(
        Account,
        firm_id,
        rows,
        conflict=["number"],
        update=[c for c in rows.columns if c != "number"],
    )


def upsert_clients(firm_id: int, frame: pd.DataFrame) -> dict[str, int]:
    """Clients by email, ignoring case (a stored email keeps its spelling); {email: id}."""
    people = frame.drop_duplicates("client_email")
    matches = Client.objects.annotate(key=Lower("email")).filter(
        key__in=people["client_email"].tolist()
    )
    stored = dict(matches.values_list("key", "email"))
    emails = people["client_email"].map(lambda email: stored.get(email, email))
    clients = pd.DataFrame({"email": emails, "name": people["client_name"]})
    insert_model_rows(Client, firm_id, clients, conflict=["email"], update=["name"])
    found = Client.objects.filter(email__in=emails.tolist()).values_list("email", "id")
    return {email.lower(): pk for email, pk in found}


def _holdings(frame: pd.DataFrame, accounts: dict[str, int]) -> pd.DataFrame:
    """The frame with account numbers and symbols turned into ids."""
    ids = frame.drop(columns=["account_number", "symbol"])
    return ids.assign(
        account=frame["account_number"].map(accounts), security=frame["symbol"].map(symbol_ids())
    )


def _replace_holdings(model, firm_id: int, frame: pd.DataFrame) -> int:
    """Delete `model`'s rows of every account in the file, then insert the file's rows."""
    accounts = account_ids(frame["account_number"].unique())
    model.objects.filter(account_id__in=list(accounts.values())).delete()
    return insert_model_rows(model, firm_id, _holdings(frame, accounts))


def write_positions(firm_id: int, frame: pd.DataFrame) -> int:
    return _replace_holdings(Position, firm_id, frame)


def write_lots(firm_id: int, frame: pd.DataFrame) -> int:
    return _replace_holdings(TaxLot, firm_id, frame)


def write_transactions(firm_id: int, frame: pd.DataFrame) -> int:
    """Appended: the history grows by the file's rows, each sell with its realised gain."""
    frame = frame.assign(realized_gain=transaction_gains(frame), imported_at=timezone.now()).drop(
        columns=["cost_basis"], errors="ignore"
    )
    return insert_model_rows(
        Transaction, firm_id, _holdings(frame, account_ids(frame["account_number"].unique()))
    )


def transaction_gains(frame: pd.DataFrame) -> pd.Series:
    """A sell's realised gain: the file's realized_gain (the custodian's figure) where given,
    else quantity × price − cost_basis where the basis is given, else None (unknown). Buys: None."""
    given = frame["realized_gain"] if "realized_gain" in frame else [None] * len(frame)
    basis = frame["cost_basis"] if "cost_basis" in frame else [None] * len(frame)
    gains = [
        None
        if side != "sell"
        else g
        if g is not None
        else (q * p - b).quantize(Decimal("0.01"))
        if b is not None
        else None
        for side, g, b, q, p in zip(
            frame["side"], given, basis, frame["quantity"], frame["price"], strict=True
        )
    ]
    return pd.Series(gains, index=frame.index, dtype=object)


def unknown_gain_sells(frame: pd.DataFrame) -> int:
    """Sells whose realised gain the file does not give (neither realized_gain nor cost_basis)."""
    gains = transaction_gains(frame)
    return int(((frame["side"] == "sell") & gains.isna()).sum())


# --- set-up files of the book's own reference data ----------------------------------------


def write_custodians(firm_id: int, frame: pd.DataFrame) -> int:
    """Upsert by code; the optional columns change only where the file has them (an empty
    cell: the default for a new custodian, unchanged for an existing one)."""
    stored = {
        c["code"]: c
        for c in Custodian.objects.filter(code__in=frame["code"].tolist()).values(
            "code", "fee_per_trade", "fee_bps", "spread_bps", "supports_fractional"
        )
    }
    defaults = {
        f: Custodian._meta.get_field(f).get_default()
        for f in ("fee_per_trade", "fee_bps", "spread_bps", "supports_fractional")
    }
    rows = pd.DataFrame({"code": frame["code"], "name": frame["name"]})
    for column, default in defaults.items():
        given = frame[column] if column in frame else [None] * len(frame)
        rows[column] = [
            g if g is not None else stored.get(code, {}).get(column, default)
            for g, code in zip(given, frame["code"], strict=True)
        ]
    update = ["name", *defaults]
    return insert_model_rows(Custodian, firm_id, rows, conflict=["code"], update=update)


def write_substitutes(firm_id: int, frame: pd.DataFrame) -> int:
    """Added, or their rank updated, by (symbol, substitute)."""
    ids = symbol_ids()
    ranks = frame["rank"] if "rank" in frame else [None] * len(frame)
    rows = pd.DataFrame(
        {
            "security": frame["symbol"].map(ids),
            "substitute": frame["substitute"].map(ids),
            "rank": [int(r) if r is not None else 1 for r in ranks],
        }
    )
    return insert_model_rows(
        Substitute, firm_id, rows, conflict=["security", "substitute"], update=["rank"]
    )


def write_identical_pairs(firm_id: int, frame: pd.DataFrame) -> int:
    """Added (stored lower id first), or their note updated."""
    ids = symbol_ids()
    a, b = frame["symbol_a"].map(ids), frame["symbol_b"].map(ids)
    rows = pd.DataFrame(
        {
            "security_a": [min(x, y) for x, y in zip(a, b, strict=True)],
            "security_b": [max(x, y) for x, y in zip(a, b, strict=True)],
            "note": frame["note"] if "note" in frame else "",
        }
    )
    update = ["note"] if "note" in frame else []
    return insert_model_rows(
        SubstantiallyIdenticalPair,
        firm_id,
        rows,
        conflict=["security_a", "security_b"],
        update=update,
    )


WRITERS = {
    "custodians": write_custodians,
    "substitutes": write_substitutes,
    "identical_pairs": write_identical_pairs,
    "securities": write_securities,
    "prices": write_prices,
    "models": write_models,
    "accounts": write_accounts,
    "positions": write_positions,
    "lots": write_lots,
    "transactions": write_transactions,
}
