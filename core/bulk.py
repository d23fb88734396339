"""Bulk actions on a list's selected rows, with a confirmation step.

A list's form posts `action` and the rows' `ids`; the first post shows what will happen to
which rows (nothing changes), and the confirmed post runs the action row by row through the
same service one row's page uses (so each row is checked, written and audited as if done
alone). Rows of another firm are never loaded (firm scope + RLS): they count as not found.
A row the service refuses is reported with the service's reason; the others go through."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from .formatting import count
from .lists import selected_ids

REASON_MAX = 2000


@dataclass(frozen=True)
class BulkAction:
    key: str
    label: str  # "Approve the advisor step"
    roles: frozenset  # who may run it at all (each row is still checked by its service)
    load: Callable  # ids -> the rows in this firm, in order
    describe: Callable  # row -> one line naming it ("Account 1001 · Ann Lee · v3")
    run: Callable  # (request, row, reason) -> None; raises one of `refusals` to refuse a row
    refusals: tuple = ()
    needs_reason: bool = False
    reason_label: str = "Reason"
    warning: str = ""  # what the confirmation page says before the rows


@dataclass
class Outcome:
    done: list
    refused: list  # (description, why)
    missing: int


def _back(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def bulk_run(request, action: BulkAction, ids: list[int], reason: str) -> Outcome:
    rows = action.load(ids)
    done, refused = [], []
    for row in rows:
        try:
            action.run(request, row, reason)
        except (*action.refusals, PermissionDenied) as exc:
            refused.append((action.describe(row), str(exc)))
        else:
            done.append(action.describe(row))
    return Outcome(done, refused, len(ids) - len(rows))


def bulk_view(request, actions: dict[str, BulkAction], default_back: str):
    """POST only. Without `confirm`, the confirmation page; with it, the run and a summary."""
    back = _back(request, default_back)
    if request.method != "POST":
        return redirect(back)
    action = actions.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, "Choose an action for the selected rows.")
        return redirect(back)
    if request.membership.role not in action.roles:
        raise PermissionDenied(f"Your role may not “{action.label.lower()}”.")
    ids = selected_ids(request)
    if not ids:
        messages.error(request, "Select at least one row first.")
        return redirect(back)
    reason = request.POST.get("reason", "").strip()[:REASON_MAX]
    if request.POST.get("confirm") != "1" or (action.needs_reason and not reason):
        rows = action.load(ids)
        error = (
            f"{action.reason_label} is required."
            if request.POST.get("confirm") == "1" and action.needs_reason and not reason
            else ""
        )
        return render(
            request,
            "lists/bulk_confirm.html",
            {
                "action": action,
                "rows": [(row.pk, action.describe(row)) for row in rows],
                "missing": len(ids) - len(rows),
                "next": back,
                "reason": reason,
                "error": error,
            },
            status=400 if error else 200,
        )
    outcome = bulk_run(request, action, ids, reason)
    if outcome.done:
        messages.success(request, f"{action.label}: done for {count(len(outcome.done), 'row')}.")
    for what, why in outcome.refused:
        messages.error(request, f"{what}: not done. {why}")
    if outcome.missing:
        messages.error(
            request,
            f"{count(outcome.missing, 'selected row')} "
            f"{'was' if outcome.missing == 1 else 'were'} not found.",
        )
    return redirect(back)
