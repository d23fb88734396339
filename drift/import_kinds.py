"""Drift's set-up files, read by the book import (portfolios.importer.registry): drift rules of
the firm and its segments (drift_rules.csv) and per-account settings (account_drift.csv).

drift_rules.csv: one row per rule, matched by name; segment empty = the firm's default rule;
per-class bands are columns band_<asset class> (empty: the rule's own band applies).
account_drift.csv: one row per account; `rule` names a rule (of the book or the same upload;
empty: the account's segment rule), restrictions as symbol lists separated by spaces."""

from datetime import date
from decimal import Decimal

import pandas as pd

from firms.services.audit import audit_record
from portfolios.choices import AssetClass, Segment
from portfolios.importer.references import References
from portfolios.importer.registry import ImportKind, register_kind
from portfolios.importer.sheet import Digits, Sheet
from portfolios.importer.validate import length
from portfolios.models import MONEY, Account

from .choices import BudgetMode, RebalanceTo
from .models import PP, AccountDriftSettings, DriftRule

BAND_COLUMNS = {f"band_{cls}": cls for cls in AssetClass.values}
RULE_OPTIONAL = (
    "segment",
    "threshold_pp_tax_advantaged",
    "relative_pct",
    "dollar_threshold",
    "rebalance_to",
    "min_trade_value",
    "cash_floor_pct",
    *BAND_COLUMNS,
)
PP_DIGITS, MONEY_DIGITS = Digits(**PP), Digits(**MONEY)
HUNDRED = Decimal(100)
RULE_NAMES = "drift_rule"  # References.named key


def _segment_or_default(sheet: Sheet) -> pd.Series:
    """Each row's segment, "" for the firm default (the column may be absent: all default)."""
    if not sheet.has("segment"):
        return pd.Series("", index=sheet.raw.index)
    return sheet.choice("segment", Segment, default="")


def check_drift_rules(sheet: Sheet, refs: References, today: date) -> None:
    names = sheet.text("name", max_length=length(DriftRule, "name"))
    segments = _segment_or_default(sheet)
    sheet.number("threshold_pp", PP_DIGITS, above=True, maximum=HUNDRED)
    for column in ("threshold_pp_tax_advantaged", "relative_pct", *BAND_COLUMNS):
        sheet.number(column, PP_DIGITS, above=True, maximum=HUNDRED, optional=True)
    sheet.number("dollar_threshold", MONEY_DIGITS, above=True, optional=True)
    sheet.number("min_trade_value", MONEY_DIGITS, optional=True)
    sheet.number("cash_floor_pct", PP_DIGITS, maximum=Decimal("49.999"), optional=True)
    if sheet.has("rebalance_to"):
        sheet.choice("rebalance_to", RebalanceTo, default=RebalanceTo.TARGET)
    sheet.unique(["name"], "name")
    if names is not None and segments is not None:
        sheet.keys["segment_key"] = segments.where(segments != "", "(firm default)")
        sheet.unique(["segment_key"], "segment")
        _check_segment_taken(sheet, names, segments)
    refs.named.setdefault(RULE_NAMES, set()).update(
        n for n in (names if names is not None else ()) if n
    )


def _check_segment_taken(sheet: Sheet, names: pd.Series, segments: pd.Series) -> None:
    """A segment (or the firm default) already held by a rule of another name: one rule per
    segment (to move rules between segments, rename or edit them one upload at a time)."""
    held = {
        (segment or ""): name for name, segment in DriftRule.objects.values_list("name", "segment")
    }
    clash = pd.Series(
        [held.get(s) not in (None, n) and bool(n) for n, s in zip(names, segments, strict=True)],
        index=names.index,
    )
    sheet.report(
        clash,
        "segment",
        lambda s: (
            f"{s or 'the firm default'} already has the rule “{held.get(s)}”; "
            "change that rule's row instead (one rule per segment)"
        ),
        shown=segments,
    )


def write_drift_rules(firm_id: int, frame: pd.DataFrame) -> int:
    """Upsert by name; an optional column the file lacks keeps its stored (or default) value."""
    stored = {r.name: r for r in DriftRule.objects.filter(name__in=frame["name"].tolist())}
    saved = []
    for row in frame.to_dict("records"):
        rule = stored.get(row["name"]) or DriftRule(firm_id=firm_id, name=row["name"])
        rule.segment = row.get("segment") or None
        rule.threshold_pp = row["threshold_pp"]
        for field in ("threshold_pp_tax_advantaged", "relative_pct", "dollar_threshold"):
            if field in row:
                setattr(rule, field, row[field])
        for field in ("rebalance_to", "min_trade_value", "cash_floor_pct"):
            if row.get(field) not in (None, ""):
                setattr(rule, field, row[field])
        if any(column in row for column in BAND_COLUMNS):
            rule.class_overrides = {
                cls: f"{row[column].normalize():f}"
                for column, cls in BAND_COLUMNS.items()
                if row.get(column) is not None
            }
        saved.append(rule)
    for rule in saved:
        rule.save()
    audit_record(
        firm_id=firm_id,
        event="drift_rule.imported",
        payload={"names": [r.name for r in saved]},
    )
    return len(saved)


def _symbols(sheet: Sheet, column: str, refs: References) -> None:
    """A space-separated list of known symbols (upper-cased); kept as a list per row."""
    if not sheet.has(column):
        return
    text = sheet.raw[column].str.strip().str.upper()
    lists = text.map(lambda v: [s for s in v.replace(",", " ").split() if s])
    unknown = lists.map(lambda ss: [s for s in ss if s not in refs.security_classes])
    sheet.report(
        unknown.map(bool),
        column,
        lambda ss: f"unknown symbol{'s' if len(ss) > 1 else ''} {', '.join(ss)}",
        shown=unknown,
    )
    sheet.values[column] = lists
    sheet.keys[column] = text


def check_account_drift(sheet: Sheet, refs: References, today: date) -> None:
    sheet.text("account_number", max_length=length(Account, "number"))
    sheet.known("account_number", refs.accounts, "account")
    if sheet.has("rule"):
        sheet.text("rule", max_length=length(DriftRule, "name"), optional=True)
        known = refs.named.get(RULE_NAMES, set()) | set(
            DriftRule.objects.values_list("name", flat=True)
        )
        sheet.known("rule", known, "drift rule")
    sheet.flag("do_not_trade", blank=False)
    _symbols(sheet, "never_sell", refs)
    _symbols(sheet, "never_buy", refs)
    sheet.number("gains_budget", MONEY_DIGITS, optional=True)
    if sheet.has("gains_budget_mode"):
        sheet.choice("gains_budget_mode", BudgetMode, default=BudgetMode.WARN)
    sheet.unique(["account_number"], "account_number")


def write_account_drift(firm_id: int, frame: pd.DataFrame) -> int:
    """Each account's settings replaced by its row (a column the file lacks: left as stored)."""
    accounts = dict(
        Account.objects.filter(number__in=frame["account_number"].tolist()).values_list(
            "number", "id"
        )
    )
    rules = dict(DriftRule.objects.values_list("name", "id"))
    stored = {
        s.account_id: s
        for s in AccountDriftSettings.objects.filter(account_id__in=list(accounts.values()))
    }
    for row in frame.to_dict("records"):
        account_id = accounts[row["account_number"]]
        settings = stored.get(account_id) or AccountDriftSettings(
            firm_id=firm_id, account_id=account_id
        )
        if "rule" in row:
            settings.rule_id = rules.get(row["rule"]) if row["rule"] else None
        for field in ("do_not_trade", "never_sell", "never_buy", "gains_budget"):
            if field in row:
                setattr(settings, field, row[field])
        if row.get("gains_budget_mode"):
            settings.gains_budget_mode = row["gains_budget_mode"]
        settings.save()
    audit_record(
        firm_id=firm_id,
        event="drift.account_settings_imported",
        payload={"accounts": frame["account_number"].tolist()},
    )
    return len(frame)


def register() -> None:
    register_kind(
        ImportKind(
            name="drift_rules",
            order=100,
            required=("name", "threshold_pp"),
            optional=RULE_OPTIONAL,
            check=check_drift_rules,
            write=write_drift_rules,
        )
    )
    register_kind(
        ImportKind(
            name="account_drift",
            order=110,
            required=("account_number",),
            optional=(
                "rule",
                "do_not_trade",
                "never_sell",
                "never_buy",
                "gains_budget",
                "gains_budget_mode",
            ),
            check=check_account_drift,
            write=write_account_drift,
        )
    )
