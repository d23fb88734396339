"""Accounts whose adviser an accounts.csv would change: only operations or a firm administrator
may do that (an advisor naming themselves on a colleague's account would make it theirs), and
each change is audited, one entry per account."""

from dataclasses import dataclass

from firms.choices import ADVISER_ASSIGN_ROLES, Role
from firms.services.audit import audit_record

from ..models import Account
from .result import ErrorLog
from .sheet import Sheet


@dataclass(frozen=True)
class AdviserChange:
    line: int
    number: str
    account_id: int
    before: str  # the adviser's email, "" for none
    after: str


def adviser_changes(sheet: Sheet) -> list[AdviserChange]:
    """Rows naming a different adviser (or none) for an account that exists; one query."""
    if "account_number" not in sheet.values or "advisor_email" not in sheet.values:
        return []
    numbers, emails = sheet.values["account_number"], sheet.values["advisor_email"]
    stored = {
        number: (pk, email or "")
        for number, pk, email in Account.objects.filter(number__in=numbers.tolist()).values_list(
            "number", "pk", "advisor__user__email"
        )
    }
    changes = []
    for line, number in numbers.items():
        if number in stored and (stored[number][1] or "").lower() != emails[line]:
            changes.append(
                AdviserChange(int(line), number, stored[number][0], stored[number][1], emails[line])
            )
    return changes


def adviser_changes_refuse(changes: list[AdviserChange], actor, log: ErrorLog, file: str) -> None:
    """A row error per change the importing member may not make (`actor` None: the command
    line, run by the platform's operators)."""
    if actor is None or actor.role in ADVISER_ASSIGN_ROLES:
        return
    allowed = " or ".join(Role(r).label.lower() for r in sorted(ADVISER_ASSIGN_ROLES))
    for change in changes:
        log.add(
            file,
            change.line,
            "advisor_email",
            f"account {change.number}: changing its adviser "
            f"(from {change.before or 'none'} to {change.after or 'none'}) "
            f"needs the {allowed} role; leave advisor_email as it is, or ask them",
        )


def adviser_changes_audit(
    *, firm_id: int, changes: list[AdviserChange], actor, source: str
) -> None:
    """One audit entry per account whose adviser the import changed (a handful per import)."""
    for change in changes:
        audit_record(
            firm_id=firm_id,
            event="account.adviser_changed",
            actor=actor.user if actor else None,
            payload={
                "account": change.number,
                "account_id": change.account_id,
                "from": change.before,
                "to": change.after,
                "source": source,
                "line": change.line,
            },
        )
