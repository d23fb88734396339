"""Staff pages for the book: the accounts list, an account's allocation, and the book import
page (upload one or more CSV files; all or nothing)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from core.lists import list_csv, list_read, wants_csv
from firms.permissions import Action, action_required
from firms.views import staff_required

from .calc.charts import grouped_bars
from .importer import KINDS, book_import
from .lists import ACCOUNTS, accounts_for_list, book_filter_options
from .models import Account, ImportRun
from .selectors import account_allocation, account_holdings


@staff_required
def account_list(request):
    state = list_read(request, ACCOUNTS, accounts_for_list(), book_filter_options())
    if wants_csv(request):
        return list_csv(state)
    return render(request, "portfolios/account_list.html", {"list": state, "page": state.page})


@staff_required
def account_detail(request, pk: int):
    account = get_object_or_404(
        Account.objects.select_related("client", "model", "custodian", "advisor__user"), pk=pk
    )
    holdings = account_holdings(account)
    total, allocation = account_allocation(account, holdings)
    chart = grouped_bars(
        [(row.label, row.current_pct, row.target_pct) for row in allocation],
        title=f"Account {account.number}: current vs target allocation",
    )
    return render(
        request,
        "portfolios/account_detail.html",
        {
            "account": account,
            "holdings": holdings,
            "total": total,
            "allocation": allocation,
            "chart": chart,
        },
    )


@action_required(Action.BOOK_IMPORT)
def import_page(request):
    result = None
    if request.method == "POST":
        files = {kind: request.FILES[kind] for kind in KINDS if kind in request.FILES}
        if not files:
            messages.error(request, "Choose at least one CSV file to import.")
            return redirect("portfolios:import")
        result = book_import(firm=request.firm, files=files, actor=request.membership, source="web")
        if result.ok:
            summary = ", ".join(f"{n} {kind}" for kind, n in result.counts.items())
            messages.success(request, f"Imported {summary}.")
            for note in result.notes:
                messages.warning(request, note)
            return redirect("portfolios:import")
    recent = ImportRun.objects.select_related("created_by__user")[:10]
    return render(
        request, "portfolios/import.html", {"result": result, "kinds": KINDS, "recent": recent}
    )
