"""Model management pages: the list (every role of the staff reads it), create, edit holdings
(preview, then a confirmed apply) and retire, for the roles of Action.MODELS."""

from decimal import Decimal

from django.contrib import messages
from django.db.models import Count, F, Sum
from django.shortcuts import get_object_or_404, redirect, render

from firms.permissions import Action, action_required, may
from firms.views import staff_required
from portfolios.models import ModelPortfolio, ModelTarget, Security

from .forms import HoldingFormSet, ModelDetailsForm
from .services.advisor import model_change_apply, model_change_preview
from .services.model_portfolios import (
    ModelRefused,
    accounts_on,
    apply_confirmation,
    apply_confirmed,
    model_create,
    model_details_check,
    model_details_update,
    model_retire,
)
from .services.transitions import versions_in_batch

models_required = action_required(Action.MODELS)


def _securities():
    return Security.objects.order_by("symbol")


def _posted(request):
    """The POST, with one more empty holding row when the page asked for one (no script
    needed: the server renders the extra row; nothing is saved)."""
    if request.method != "POST":
        return None
    if request.POST.get("action") != "add_row":
        return request.POST
    data = request.POST.copy()
    try:
        data["h-TOTAL_FORMS"] = str(min(int(data.get("h-TOTAL_FORMS", "0")) + 1, 60))
    except ValueError:
        pass
    return data


@staff_required
def model_list(request):
    """Every model with its accounts, holdings and the sum of its weights: three queries."""
    rows = list(
        ModelPortfolio.objects.annotate(
            n_accounts=Count("accounts", distinct=True), n_holdings=Count("targets", distinct=True)
        ).order_by(F("retired_at").asc(nulls_first=True), "name")
    )
    totals = dict(
        ModelTarget.objects.values("model_id")
        .annotate(t=Sum("weight"))
        .values_list("model_id", "t")
    )
    for m in rows:
        m.total = totals.get(m.pk, Decimal("0"))
    return render(
        request,
        "drift/model_list.html",
        {"models": rows, "can_manage": may(request.membership, Action.MODELS)},
    )


@models_required
def model_new(request):
    details = ModelDetailsForm(_posted(request))
    holdings = HoldingFormSet(_posted(request), securities=_securities(), prefix="h")
    adding = request.POST.get("action") == "add_row"
    if request.method == "POST" and not adding and details.is_valid() and holdings.is_valid():
        try:
            model = model_create(
                firm_id=request.firm.pk,
                name=details.cleaned_data["name"],
                description=details.cleaned_data["description"],
                targets=holdings.holdings(),
                actor=request.membership,
            )
        except ModelRefused as exc:
            details.add_error(None, str(exc))
        else:
            messages.success(request, f"Model “{model.name}” created.")
            return redirect("drift:models")
    return render(
        request,
        "drift/model_form.html",
        {"details": details, "holdings": holdings, "model": None, "total": _total(holdings)},
        status=400 if request.method == "POST" and not adding else 200,
    )


def _total(holdings) -> str:
    """The running total the page shows (the valid rows' weights), as typed: 99.99, 100."""
    if not holdings.is_bound:
        total = sum(
            (Decimal(str(f.initial.get("weight") or 0)) for f in holdings.forms), Decimal("0")
        )
    else:
        holdings.is_valid()
        total = holdings.total
    return format(total.normalize(), "f")


@models_required
def model_edit(request, pk: int):
    """Name and holdings. Holdings go through the preview (what the change would trade) and
    apply only with the preview's confirmation for exactly these holdings."""
    model = get_object_or_404(ModelPortfolio, pk=pk)
    if model.is_retired:
        messages.error(request, f"“{model.name}” is retired; its holdings no longer change.")
        return redirect("drift:models")
    targets = list(
        ModelTarget.objects.filter(model=model).select_related("security").order_by("asset_class")
    )
    initial = [
        {"security": t.security, "asset_class": t.asset_class, "weight": t.weight} for t in targets
    ]
    details = ModelDetailsForm(
        _posted(request), initial={"name": model.name, "description": model.description}
    )
    holdings = HoldingFormSet(
        _posted(request), initial=initial, securities=_securities(), prefix="h"
    )
    preview = confirm = None
    status = 200
    if request.method == "POST" and request.POST.get("action") != "add_row":
        status = 400
        if details.is_valid() and holdings.is_valid():
            new = holdings.holdings()
            action = request.POST.get("action")
            try:
                if action == "apply" and apply_confirmed(
                    request.POST.get("confirm", ""), model.pk, new
                ):
                    return _apply(request, model, details, new)
                if action == "apply":
                    messages.error(
                        request,
                        "Not applied: the holdings changed since the preview, or the preview "
                        "is over an hour old. Check the new preview and confirm again.",
                    )
                # The preview writes nothing: name and holdings are saved by the confirmed apply.
                model_details_check(model=model, name=details.cleaned_data["name"])
            except ModelRefused as exc:
                details.add_error(None, str(exc))
            else:
                preview = model_change_preview(model=model, targets=new)
                confirm = apply_confirmation(model.pk, new)
                status = 200
    return render(
        request,
        "drift/model_form.html",
        {
            "details": details,
            "holdings": holdings,
            "model": model,
            "preview": preview,
            "confirm": confirm,
            "total": _total(holdings),
        },
        status=status,
    )


def _apply(request, model, details, new):
    model_details_update(
        model=model,
        name=details.cleaned_data["name"],
        description=details.cleaned_data["description"],
        actor=request.membership,
    )
    busy = versions_in_batch(model.accounts.values_list("pk", flat=True))
    ids = model_change_apply(model=model, targets=new, actor=request.membership)
    messages.success(request, f"Model “{model.name}” saved; {len(ids)} proposals created.")
    if busy:
        messages.warning(
            request,
            "Left as they are until their trade batch settles (the next scan then "
            "re-evaluates them): " + " ".join(busy.values()),
        )
    return redirect("drift:models")


@models_required
def model_retire_view(request, pk: int):
    """A confirmation page listing the accounts still on the model; the POST retires it."""
    model = get_object_or_404(ModelPortfolio, pk=pk)
    numbers = accounts_on(model)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            model_retire(model=model, actor=request.membership)
        except ModelRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                f"“{model.name}” retired: it can no longer be assigned."
                + (
                    f" {len(numbers):,} account{'s' if len(numbers) != 1 else ''} still on it "
                    "keep it until moved to another model."
                    if numbers
                    else ""
                ),
            )
        return redirect("drift:models")
    return render(
        request,
        "drift/model_retire.html",
        {"model": model, "accounts": numbers[:200], "n": len(numbers)},
    )
