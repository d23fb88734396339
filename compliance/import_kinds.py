"""Compliance's set-up files, read by the book import (portfolios.importer.registry):
compliance_rules.csv (one row per rule kind: severity, on/off and that kind's parameters as
columns) and suitability_bands.csv (the suitability rule's equity band per risk profile).

A parameter column left empty (or absent) keeps the rule's stored value, or its default; each
row is then validated as the rules page validates it (drift.calc.rule_params)."""

from datetime import date
from decimal import Decimal

import pandas as pd
from django.core.exceptions import ValidationError

from drift.calc.rule_params import BOUNDS, DEFAULTS, params_validate
from drift.choices import RuleKind, Severity
from drift.models import ComplianceRule
from firms.services.audit import audit_record
from portfolios.choices import RiskProfile, SecurityType
from portfolios.importer.references import References
from portfolios.importer.registry import ImportKind, register_kind
from portfolios.importer.sheet import Digits, Sheet

PARAMETER_COLUMNS = {  # column → the rule kind it belongs to
    "window_days": RuleKind.WASH_SALE,
    "max_pct": RuleKind.CONCENTRATION,
    "security_types": RuleKind.CONCENTRATION,
    "exempt_diversified": RuleKind.CONCENTRATION,
    "min_cash_amount": RuleKind.LIQUIDITY,
    "min_cash_pct": RuleKind.LIQUIDITY,
}
AMOUNT = Digits(18, 6)


def _bounded(sheet: Sheet, column: str, bounds: str | None = None) -> None:
    low, high = BOUNDS[bounds or column]
    sheet.number(column, AMOUNT, minimum=Decimal(low), maximum=Decimal(high), optional=True)


def _stored_params() -> dict[str, dict]:
    return {r.kind: dict(r.params) for r in ComplianceRule.objects.all()}


def check_compliance_rules(sheet: Sheet, refs: References, today: date) -> None:
    kinds = sheet.choice("kind", RuleKind)
    sheet.choice("severity", Severity)
    sheet.flag("enabled", blank=True)
    _bounded(sheet, "window_days")
    _bounded(sheet, "max_pct")
    _bounded(sheet, "min_cash_amount")
    _bounded(sheet, "min_cash_pct")
    sheet.flag("exempt_diversified", blank=None)
    if sheet.has("security_types"):
        text = sheet.raw["security_types"].str.strip().str.lower()
        lists = text.map(lambda v: [t for t in v.replace(",", " ").split() if t])
        bad = lists.map(lambda ts: [t for t in ts if t not in SecurityType.values])
        allowed = ", ".join(SecurityType.values)
        sheet.report(
            bad.map(bool),
            "security_types",
            lambda ts: f"unknown security type {', '.join(ts)}; expected some of {allowed}",
            shown=bad,
        )
        sheet.values["security_types"] = lists.map(lambda ts: ts or None)
    if "window_days" in sheet.values:
        whole = sheet.values["window_days"].map(lambda d: d is None or d == d.to_integral_value())
        sheet.report(~whole, "window_days", lambda v: f'"{v}" is not a whole number of days')
    sheet.unique(["kind"], "kind")
    if kinds is not None:
        _check_columns_fit_kind(sheet)
        _check_params(sheet)


def _check_columns_fit_kind(sheet: Sheet) -> None:
    """A parameter given on the row of another kind is a mistake worth naming."""
    for column, owner in PARAMETER_COLUMNS.items():
        if column not in sheet.values:
            continue
        given = sheet.values[column].map(lambda v: v is not None)
        wrong = given & (sheet.values["kind"] != owner)
        sheet.report(
            wrong,
            column,
            lambda kind, c=column, o=owner: f"{c} belongs to the {o} rule, not {kind}",
            shown=sheet.values["kind"],
        )


def params_for(row: dict, stored: dict) -> dict:
    """The row's parameters over the stored ones (or the kind's defaults)."""
    kind = row["kind"]
    params = dict(stored.get(kind) or DEFAULTS[kind][1])
    for column, owner in PARAMETER_COLUMNS.items():
        value = row.get(column)
        if owner == kind and value is not None:
            params[column] = int(value) if column == "window_days" else value
    for column in ("max_pct", "min_cash_amount", "min_cash_pct"):
        if isinstance(params.get(column), Decimal):
            params[column] = str(params[column])
    return params


def _check_params(sheet: Sheet) -> None:
    stored = _stored_params()
    for line, row in sheet.frame().iterrows():  # one row per kind: a handful of rows
        if row["kind"] not in RuleKind.values:
            continue  # reported already
        try:
            params_validate(row["kind"], params_for(row.to_dict(), stored))
        except ValidationError as exc:
            sheet.log.add(sheet.file, int(line), "", " ".join(exc.messages))


def write_compliance_rules(firm_id: int, frame: pd.DataFrame) -> int:
    stored = {r.kind: r for r in ComplianceRule.objects.all()}
    params = {kind: dict(r.params) for kind, r in stored.items()}
    for row in frame.to_dict("records"):
        rule = stored.get(row["kind"]) or ComplianceRule(firm_id=firm_id, kind=row["kind"])
        rule.severity = row["severity"]
        if "enabled" in row:
            rule.enabled = bool(row["enabled"])
        rule.params = params_validate(rule.kind, params_for(row, params))
        rule.save()
    audit_record(
        firm_id=firm_id,
        event="compliance.rules_imported",
        payload={"kinds": frame["kind"].tolist()},
    )
    return len(frame)


def check_suitability_bands(sheet: Sheet, refs: References, today: date) -> None:
    sheet.choice("risk_profile", RiskProfile)
    low, high = BOUNDS["band"]
    for column in ("equity_min_pct", "equity_max_pct"):
        sheet.number(column, AMOUNT, minimum=Decimal(low), maximum=Decimal(high))
    sheet.unique(["risk_profile"], "risk_profile")
    if "equity_min_pct" in sheet.values and "equity_max_pct" in sheet.values:
        lo, hi = sheet.values["equity_min_pct"], sheet.values["equity_max_pct"]
        backwards = pd.Series(
            [a is not None and b is not None and a > b for a, b in zip(lo, hi, strict=True)],
            index=lo.index,
        )
        sheet.report(
            backwards,
            "equity_max_pct",
            lambda v: f"{v} is below equity_min_pct (the band runs backwards)",
            shown=hi,
        )


def write_suitability_bands(firm_id: int, frame: pd.DataFrame) -> int:
    """The suitability rule's bands: the file's profiles replaced, the others kept."""
    rule = ComplianceRule.objects.filter(kind=RuleKind.SUITABILITY).first()
    if rule is None:
        severity, params = DEFAULTS[RuleKind.SUITABILITY]
        rule = ComplianceRule(
            firm_id=firm_id, kind=RuleKind.SUITABILITY, severity=severity, params=params
        )
    bands = dict(rule.params.get("bands") or DEFAULTS[RuleKind.SUITABILITY][1]["bands"])
    for row in frame.to_dict("records"):
        bands[row["risk_profile"]] = [str(row["equity_min_pct"]), str(row["equity_max_pct"])]
    rule.params = params_validate(RuleKind.SUITABILITY, {"bands": bands})
    rule.save()
    audit_record(
        firm_id=firm_id,
        event="compliance.rules_imported",
        payload={"suitability_bands": frame["risk_profile"].tolist()},
    )
    return len(frame)


def register() -> None:
    register_kind(
        ImportKind(
            name="compliance_rules",
            order=120,
            required=("kind", "severity"),
            optional=("enabled", *PARAMETER_COLUMNS),
            check=check_compliance_rules,
            write=write_compliance_rules,
        )
    )
    register_kind(
        ImportKind(
            name="suitability_bands",
            order=125,
            required=("risk_profile", "equity_min_pct", "equity_max_pct"),
            optional=(),
            check=check_suitability_bands,
            write=write_suitability_bands,
        )
    )
