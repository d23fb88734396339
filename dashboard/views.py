"""The staff dashboard at `/` (clients go to their portal) and the proposals list with its
bulk actions. Thin views over dashboard.selectors and core.lists / core.bulk."""

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from approvals.choices import StepRole
from core.bulk import bulk_view
from core.lists import list_csv, list_read, wants_csv
from drift.choices import ProposalStatus
from firms.choices import OWN_BOOK_ROLES, Role
from firms.views import role_required, staff_required
from portfolios.calc.market_calendar import is_trading_day, previous_trading_day
from portfolios.lists import book_filter_options
from portfolios.models import Account

from .proposals import BULK, BULK_ROLES, PROPOSALS, bulk_actions_for, proposals_for_list
from .selectors import ENDED, PRICE_PROBLEMS, STAGES, Book, dashboard_read

PERIODS = {"today": ("Today", 0), "7": ("Last 7 days", 6), "30": ("Last 30 days", 29)}
# Roles with a book of their own start on "my book"; the others start on the whole firm.
BOOK_FIRST = frozenset({Role.ADVISOR, Role.SENIOR_ADVISOR})


def _period_start(period: str) -> date:
    """The first day counted. "Today" on a weekend or holiday is the latest session: on a
    Saturday morning an advisor wants Friday's batch, not a row of zeros."""
    today = timezone.localdate()
    if period == "today":
        return today if is_trading_day(today) else previous_trading_day(today)
    return today - timedelta(days=PERIODS[period][1])


def _period_phrase(period: str, start: date) -> str:
    """How the counts' period reads in a sentence: "today", "since Fri, Dec 4", "last 7 days"."""
    if period == "today" and start != timezone.localdate():
        return f"since {start:%a, %b} {start.day}"
    return PERIODS[period][0].lower()


def _link(name: str, pairs) -> str:
    query = urlencode([(k, v) for k, v in pairs if v not in (None, "")])
    return reverse(name) + (f"?{query}" if query else "")


def _dashboard(request):
    membership = request.membership
    firm_wide_allowed = membership.role not in OWN_BOOK_ROLES
    # A senior advisor without accounts of their own (a reviewer) starts on the whole firm: an
    # empty "my book" would read as a quiet day.
    default = "mine" if membership.role in BOOK_FIRST else "firm"
    if default == "mine" and firm_wide_allowed and "scope" not in request.GET:
        default = "mine" if Account.objects.filter(advisor_id=membership.pk).exists() else "firm"
    scope = request.GET.get("scope", default)
    scope = scope if scope in ("mine", "firm") and firm_wide_allowed else "mine"
    period = request.GET.get("period", "today")
    period = period if period in PERIODS else "today"
    start = _period_start(period)
    since = timezone.make_aware(datetime.combine(start, time.min))
    book = Book(membership.pk if scope == "mine" else None)
    data = dashboard_read(book=book, since=since)
    mine = [("advisor", book.advisor)]
    since_day = timezone.localtime(since).date().isoformat()
    counts = data["counts"]

    def stage(key, label, statuses, dated):
        pairs = [*mine, *(("status", s) for s in statuses)]
        pairs += [("since", since_day)] if dated else []
        return {
            "key": key,
            "label": label,
            "n": counts[key],
            "href": _link("dashboard:proposals", pairs),
            "dated": dated,
        }

    scan = data["scan"]
    pipeline = [
        {
            "key": "drifted",
            "label": "Drifted accounts",
            "n": scan["drifted"],
            "href": _link("drift:drifted", mine),
            "dated": False,
        },
        *(stage(*s) for s in STAGES),
    ]
    steps = [
        {
            "label": label,
            "n": n,
            "href": _link("approvals:list", [*mine, ("status", "pending"), ("step", role)]),
        }
        for role, label, n in data["steps"]
    ]
    exceptions = [
        {
            "label": "Blocked by compliance",
            "n": counts["blocked"],
            "href": _link("dashboard:proposals", [*mine, ("status", ProposalStatus.BLOCKED)]),
        },
        {
            "label": "Flagged for a compliance officer",
            "n": counts["flagged"],
            "href": _link("dashboard:proposals", [*mine, ("status", ProposalStatus.FLAGGED)]),
        },
        {
            "label": "Orders rejected or cancelled",
            "n": data["orders"]["rejected"] + data["orders"]["cancelled"],
            "href": _link(
                "trading:orders",
                [*mine, ("status", "rejected"), ("status", "cancelled"), ("from", since_day)],
            ),
        },
        {
            "label": "Orders held",
            "n": data["orders"]["held"],
            "href": _link(
                "trading:orders",
                [*mine, ("status", "held"), ("status", "paused"), ("from", since_day)],
            ),
        },
        {
            "label": "Accounts with a stale, missing or suspect price",
            "n": scan["stale"],
            "href": _link(
                "drift:drifted", [*mine, ("all", "1"), *(("health", h) for h in PRICE_PROBLEMS)]
            ),
        },
    ]
    ended = [stage(*s) for s in ENDED]
    return render(
        request,
        "dashboard/home.html",
        {
            **data,
            "pipeline": pipeline,
            "steps": steps,
            "exceptions": sorted(exceptions, key=lambda e: e["n"] == 0),
            "ended": ended,
            "scope": scope,
            "firm_wide_allowed": firm_wide_allowed,
            "period": period,
            "periods": [(k, v[0]) for k, v in PERIODS.items()],
            "period_phrase": _period_phrase(period, start),
            "step_labels": dict(StepRole.choices),
            "now": timezone.now(),
        },
    )


@login_required
def home(request):
    """Staff get the dashboard; clients their portal."""
    membership = request.membership
    if membership is None:
        raise PermissionDenied(
            "Your sign-in is not attached to a firm. Ask your firm's administrator."
        )
    if membership.role == Role.CLIENT:
        return redirect("portal:home")
    return _dashboard(request)


@staff_required
def proposal_list(request):
    state = list_read(request, PROPOSALS, proposals_for_list(), book_filter_options())
    if wants_csv(request):
        return list_csv(state)
    return render(
        request,
        "dashboard/proposals.html",
        {"list": state, "page": state.page, "actions": bulk_actions_for(request.membership.role)},
    )


@role_required(*BULK_ROLES)
def proposal_bulk(request):
    return bulk_view(request, BULK, default_back=reverse("dashboard:proposals"))
