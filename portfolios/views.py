"""Staff pages for the book: the accounts list, an account's allocation, and the book import
page (upload one or more CSV files; all or nothing)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core.lists import list_csv, list_read, wants_csv
from firms.choices import BOOK_DATA_ROLES, IMPORT_ROLES
from firms.permissions import Action, action_required
from firms.views import role_required, staff_required

from .calc.charts import grouped_bars
from .forms import CustodianForm
from .importer import KINDS, book_import
from .importer.formats import all_kinds, counts_summary, file_name, setup_kinds
from .importer.samples import sample_path
from .lists import ACCOUNTS, accounts_for_list, book_filter_options
from .models import Account, Custodian, ImportRun
from .selectors import account_allocation, account_holdings
from .services.custodians import custodian_save


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
    """Upload the book and set-up files (all or nothing). After an import the page shows what
    it wrote (?run=<id>) and offers a re-scan of the accounts it changed."""
    result = None
    if request.method == "POST":
        files = {kind: request.FILES[kind] for kind in all_kinds() if kind in request.FILES}
        if not files:
            messages.error(request, "Choose at least one CSV file to import.")
            return redirect("portfolios:import")
        result = book_import(firm=request.firm, files=files, actor=request.membership, source="web")
        if result.ok:
            messages.success(request, f"Imported {counts_summary(result.counts)}.")
            for note in result.notes:
                messages.warning(request, note)
            return redirect(f"{reverse('portfolios:import')}?run={result.run_id}")
    recent = ImportRun.objects.select_related("created_by__user")[:10]
    run_id = request.GET.get("run", "")
    latest = ImportRun.objects.filter(pk=int(run_id), ok=True).first() if run_id.isdigit() else None
    return render(
        request,
        "portfolios/import.html",
        {
            "result": result,
            "book_kinds": KINDS,
            "setup_kinds": setup_kinds(),
            "recent": recent,
            "latest": latest,
        },
    )


@role_required(*IMPORT_ROLES)
def import_sample(request, kind: str):
    """A sample file of `kind`, as in the repository (portfolios/importer/samples/)."""
    if kind not in all_kinds():
        raise Http404("No such kind of file.")
    return FileResponse(
        sample_path(kind).open("rb"),
        as_attachment=True,
        filename=file_name(kind),
        content_type="text/csv",
    )


@staff_required
def custodians(request):
    """The firm's custodians (with how many accounts each holds), and a form to add one for
    operations and the firm administrator."""
    may_edit = request.membership.role in BOOK_DATA_ROLES
    form = CustodianForm(request.POST or None, instance=Custodian(firm=request.firm))
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("Operations or the firm administrator add custodians.")
        if form.is_valid():
            custodian_save(custodian=form.save(commit=False), actor=request.user)
            messages.success(request, f"Custodian “{form.instance.name}” added.")
            return redirect("portfolios:custodians")
    rows = Custodian.objects.annotate(n=Count("accounts")).order_by("code")
    return render(
        request,
        "portfolios/custodians.html",
        {"custodians": rows, "form": form, "may_edit": may_edit},
    )


@role_required(*BOOK_DATA_ROLES)
def custodian_edit(request, pk: int):
    custodian = get_object_or_404(Custodian, pk=pk)
    form = CustodianForm(request.POST or None, instance=custodian)
    if request.method == "POST" and form.is_valid():
        custodian_save(custodian=form.save(commit=False), actor=request.user)
        messages.success(request, f"Custodian “{custodian.name}” saved.")
        return redirect("portfolios:custodians")
    return render(request, "portfolios/custodian_form.html", {"form": form, "custodian": custodian})
