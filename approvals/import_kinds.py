"""The routing tiers as a set-up file of the book import (portfolios.importer.registry):
routing_rules.csv, one row per tier, matched by name. Steps are listed in a cell separated by
spaces and run in the order of approvals.choices.StepRole (internal steps first, the client's
consent last). Value tiers (bounds inclusive) must not overlap, with each other or with the
firm's tiers the file does not name."""

from datetime import date
from decimal import Decimal

import pandas as pd

from firms.services.audit import audit_record
from portfolios.importer.references import References
from portfolios.importer.registry import ImportKind, register_kind
from portfolios.importer.sheet import Digits, Sheet
from portfolios.importer.validate import length
from portfolios.models import MONEY

from .calc.deadlines import window_problem
from .choices import RuleKind, StepRole, WindowUnit
from .models import RoutingRule

MONEY_DIGITS = Digits(**MONEY)


def check_routing_rules(sheet: Sheet, refs: References, today: date) -> None:
    sheet.text("name", max_length=length(RoutingRule, "name"))
    if sheet.has("kind"):
        sheet.choice("kind", RuleKind, default=RuleKind.VALUE)
    sheet.number("min_value", MONEY_DIGITS, optional=True)
    sheet.number("max_value", MONEY_DIGITS, optional=True)
    amounts = sheet.number("window_amount", Digits(6, 0), minimum=Decimal(1))
    if sheet.has("window_unit"):
        sheet.choice("window_unit", WindowUnit, default=WindowUnit.HOURS)
    _steps(sheet)
    sheet.unique(["name"], "name")
    if amounts is not None:
        units = sheet.values.get("window_unit", pd.Series(WindowUnit.HOURS, index=amounts.index))
        problems = pd.Series(
            [
                window_problem(amount=int(a), unit=u) if a is not None else ""
                for a, u in zip(amounts, units, strict=True)
            ],
            index=amounts.index,
        )
        sheet.report_each("window_amount", problems[problems != ""])
    _check_bounds(sheet)


def _steps(sheet: Sheet) -> None:
    text = sheet.raw["steps"].str.strip().str.lower() if sheet.has("steps") else None
    if text is None:
        return
    order = list(StepRole.values)
    lists = text.map(lambda v: [s for s in v.replace(",", " ").split() if s])
    sheet.report(lists.map(len) == 0, "steps", lambda v: "a value is required")
    bad = lists.map(lambda ss: [s for s in ss if s not in order])
    sheet.report(
        bad.map(bool),
        "steps",
        lambda ss: f"unknown step {', '.join(ss)}; expected some of {', '.join(order)}",
        shown=bad,
    )
    twice = lists.map(lambda ss: len(set(ss)) != len(ss))
    sheet.report(twice, "steps", lambda v: f'"{v}" names a step twice')
    sheet.values["steps"] = lists.map(
        lambda ss: sorted({s for s in ss if s in order}, key=order.index)
    )


def _check_bounds(sheet: Sheet) -> None:
    """Low not above high; value tiers (the file's and the stored ones it leaves) not
    overlapping."""
    if "min_value" not in sheet.values or "max_value" not in sheet.values:
        return
    frame = sheet.frame()
    kinds = frame["kind"] if "kind" in frame else pd.Series(RuleKind.VALUE, index=frame.index)
    tiers = []  # (line or None, name, low, high)
    for line, name, kind, low, high in zip(
        frame.index, frame["name"], kinds, frame["min_value"], frame["max_value"], strict=True
    ):
        if low is not None and high is not None and low > high:
            sheet.log.add(sheet.file, int(line), "max_value", f"{high} is below min_value {low}")
        elif kind == RuleKind.VALUE:
            tiers.append((int(line), name, low, high))
    named = set(frame["name"])
    for rule in RoutingRule.objects.filter(kind=RuleKind.VALUE).exclude(name__in=named):
        tiers.append((None, rule.name, rule.min_value, rule.max_value))
    for i, (line, name, low, high) in enumerate(tiers):
        for other_line, other, o_low, o_high in tiers[:i] + tiers[i + 1 :]:
            if line is None or (other_line is not None and other_line > line):
                continue  # each overlap named once, on the later row of the file
            if (high is None or o_low is None or o_low <= high) and (
                low is None or o_high is None or low <= o_high
            ):
                sheet.log.add(
                    sheet.file,
                    line,
                    "min_value",
                    f"the tier “{name}” overlaps the tier “{other}”; "
                    "each account value must match one tier",
                )
                break


def write_routing_rules(firm_id: int, frame: pd.DataFrame) -> int:
    stored = {r.name: r for r in RoutingRule.objects.filter(name__in=frame["name"].tolist())}
    for row in frame.to_dict("records"):
        rule = stored.get(row["name"]) or RoutingRule(firm_id=firm_id, name=row["name"])
        rule.kind = row.get("kind") or RuleKind.VALUE
        rule.min_value, rule.max_value = row.get("min_value"), row.get("max_value")
        rule.steps = row["steps"]
        rule.window_amount = int(row["window_amount"])
        rule.window_unit = row.get("window_unit") or WindowUnit.HOURS
        rule.save()
    audit_record(
        firm_id=firm_id,
        event="approvals.rules_imported",
        payload={"names": frame["name"].tolist()},
    )
    return len(frame)


def register() -> None:
    register_kind(
        ImportKind(
            name="routing_rules",
            order=140,
            required=("name", "steps", "window_amount"),
            optional=("kind", "min_value", "max_value", "window_unit"),
            check=check_routing_rules,
            write=write_routing_rules,
        )
    )
