"""The reconciliation page: upload a custodian's file of a day, the breaks per account with
their size (filtered; unresolved by default), and ops' accept / resolve actions. A constant
number of queries whatever the number of breaks (one page of them, paginated)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.formatting import count
from firms.choices import RECONCILIATION_ROLES, RECONCILIATION_VIEW_ROLES
from firms.views import role_required
from portfolios.models import Custodian

from .forms import BreakFilterForm, ResolveForm, UploadForm
from .models import ReconciliationBreak
from .selectors import breaks_list, runs_recent
from .services.decisions import DecisionRefused, break_accept, break_resolve
from .services.reconcile import reconcile_file

PAGE_SIZE = 100


@role_required(*RECONCILIATION_VIEW_ROLES)
def breaks_page(request):
    can_act = request.membership.role in RECONCILIATION_ROLES
    custodians = Custodian.objects.order_by("code")
    result = None
    upload = UploadForm(custodians=custodians)
    if request.method == "POST":
        if not can_act:
            raise PermissionDenied("Your role may look at breaks, not change them.")
        upload = UploadForm(request.POST, request.FILES, custodians=custodians)
        if upload.is_valid():
            data = upload.cleaned_data
            result = reconcile_file(
                firm=request.firm,
                custodian_code=data["custodian"].code,
                as_of=data["as_of"],
                source=data["file"],
                actor=request.membership,
                origin="web",
                file_name=data["file"].name,
            )
            if result.ok:
                c = result.counts
                messages.success(
                    request,
                    f"Reconciled {count(c['rows'], 'row')} of "
                    f"{count(c['accounts_in_file'], 'account')}: {count(c['breaks'], 'break')} in "
                    f"{count(c['accounts_with_breaks'], 'account')}; "
                    f"{count(c['cleared'], 'earlier break')} cleared.",
                )
                return redirect("reconciliation:breaks")
    filters = BreakFilterForm(request.GET or None, auto_id="filter_%s")
    chosen = filters.cleaned_data if filters.is_valid() else {}
    breaks = breaks_list(
        status=chosen.get("status") or "open",
        as_of=chosen.get("as_of"),
        account=chosen.get("account") or "",
    )
    page = Paginator(breaks, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reconciliation/breaks.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "upload": upload,
            "result": result,
            "can_act": can_act,
            "runs": runs_recent(),
            "resolve_form": ResolveForm(),
        },
    )


def _decide(request, pk: int, decide, done: str):
    if not ReconciliationBreak.objects.filter(pk=pk).exists():
        raise Http404("No such break.")
    try:
        decide()
    except DecisionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=False):
        return redirect(back)  # the list as it was filtered
    return redirect("reconciliation:breaks")


@require_POST
@role_required(*RECONCILIATION_ROLES)
def break_accept_view(request, pk: int):
    return _decide(
        request,
        pk,
        lambda: break_accept(break_id=pk, actor=request.membership),
        "Accepted: the book now holds the custodian's figure.",
    )


@require_POST
@role_required(*RECONCILIATION_ROLES)
def break_resolve_view(request, pk: int):
    form = ResolveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _decide(
        request,
        pk,
        lambda: break_resolve(break_id=pk, actor=request.membership, reason=reason),
        "Resolved.",
    )
