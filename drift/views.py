"""Drift pages: thin views over selectors and services."""

import functools

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language

from core.lists import list_csv, list_read, wants_csv
from firms.choices import IMPORT_ROLES
from firms.permissions import Action, action_required, may
from firms.tasks import enqueue_now
from firms.views import account_action_check, role_required, staff_required
from portfolios.calc.charts import line_chart
from portfolios.choices import AssetClass
from portfolios.lists import book_filter_options
from portfolios.models import Account, ImportRun, ModelPortfolio, ModelTarget

from .forms import AccountDriftSettingsForm, CashProposalForm, DriftRuleForm, ModelTargetsForm
from .lists import DRIFTED, latest_snapshots
from .models import AccountDriftSettings, DriftRule, DriftSnapshot, HarvestOpportunity, Proposal
from .selectors.harvest import harvest_opportunities_on
from .selectors.story import proposal_content, proposal_for_review, proposal_story
from .services.advisor import (
    RebalanceRefused,
    model_change_apply,
    model_change_preview,
    proposal_create_cash,
)
from .services.model_portfolios import apply_confirmation, apply_confirmed
from .services.rescan import rescan_request
from .services.rules import account_settings_save, drift_rule_save, rule_for_account
from .services.transitions import versions_in_batch
from .tasks import drift_rescan

PAGE_SIZE = 50
advisory_required = action_required(Action.CASH_PROPOSAL)


# The pages' lookups: plain querysets, a fixed number of queries per page.
def _models() -> list[ModelPortfolio]:
    return list(ModelPortfolio.objects.order_by("name"))


def _account(pk: int) -> list[Account]:
    return list(Account.objects.select_related("client", "model").filter(pk=pk))


def _snapshots(account_id: int) -> list[DriftSnapshot]:
    return list(DriftSnapshot.objects.filter(account_id=account_id).order_by("-as_of")[:120])


def _proposals(account_id: int) -> list[Proposal]:
    return list(
        Proposal.objects.filter(account_id=account_id)
        .only("version", "kind", "status", "as_of", "trade_value")
        .order_by("-version")[:20]
    )


def _harvests(account_id: int) -> list[HarvestOpportunity]:
    return list(
        HarvestOpportunity.objects.filter(account_id=account_id)
        .select_related("security", "substitute")
        .order_by("-as_of", "-est_savings")[:20]
    )


@staff_required
def drifted_accounts(request):
    as_of, qs = latest_snapshots(request)
    state = list_read(request, DRIFTED, qs, book_filter_options())
    if wants_csv(request):
        return list_csv(state)
    return render(
        request, "drift/drifted_list.html", {"as_of": as_of, "list": state, "page": state.page}
    )


def _one(found: list):
    if not found:
        raise Http404("No such object.")
    return found[0]


@staff_required
def account_drift(request, pk: int):
    account = _one(_account(pk))
    snapshots = _snapshots(account.pk)[::-1]
    applied = rule_for_account(account)
    band = applied.rule.threshold_pp if applied.rule else None
    labels = dict(AssetClass.choices)
    latest = snapshots[-1] if snapshots else None
    classes = [
        {
            "label": labels.get(c, c),
            "current": v[0],
            "target": v[1],
            "band": v[2],
            "drift": round(v[0] - v[1], 3),
            "breach": abs(v[0] - v[1]) > v[2],
        }
        for c, v in (latest.detail.items() if latest else [])
    ]
    proposals, harvests = _proposals(account.pk), _harvests(account.pk)
    return render(
        request,
        "drift/account_drift.html",
        {
            "account": account,
            "snapshots": snapshots[::-1][:30],
            "latest": latest,
            "classes": classes,
            "applied": applied,
            "chart": drift_history_chart(snapshots, band),
            "cash_form_html": _cash_form_html(get_language()),
            "proposals": proposals,
            "harvests": harvests,
        },
    )


@functools.cache
def _cash_form_html(language: str) -> str:
    """The account page's empty cash-proposal form: the same HTML on every page (no bound data,
    fixed choices), rendered once per process and language instead of per request (~1-2 ms)."""
    return CashProposalForm().as_p()


@staff_required
def harvest_list(request):
    """Firm-wide harvest opportunities of the latest scan, largest estimated saving first."""
    as_of, qs = harvest_opportunities_on()
    if request.GET.get("all") != "1":
        qs = qs.filter(outcome="proposed")
    totals = qs.aggregate(savings=Sum("est_savings"), st=Sum("loss_st"), lt=Sum("loss_lt"))
    return render(
        request,
        "drift/harvest_list.html",
        {
            "as_of": as_of,
            "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "totals": totals,
            "all": request.GET.get("all") == "1",
        },
    )


@advisory_required
def account_cash_proposal(request, pk: int):
    account = get_object_or_404(Account, pk=pk)
    account_action_check(request.membership, account.advisor_id)
    form = CashProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_create_cash(
                account=account,
                kind=form.cleaned_data["kind"],
                amount=form.cleaned_data["amount"],
                actor=request.membership,
            )
        except RebalanceRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Proposal v{proposal.version} created.")
            return redirect("drift:proposal", pk=proposal.pk)
    elif request.method == "POST":
        messages.error(request, "Enter a kind and an amount above $0.")
    return redirect("drift:account", pk=account.pk)


@staff_required
def proposal_detail(request, pk: int):
    proposal = _one(proposal_for_review(pk))
    return render(
        request,
        "drift/proposal_detail.html",
        {**proposal_content(proposal), "story": proposal_story(proposal)},
    )


@staff_required
def rule_list(request):
    """The firm's and segments' rules, and the accounts with settings of their own (one query
    each, whatever the number of rows)."""
    own = AccountDriftSettings.objects.select_related("account", "rule").order_by("account__number")
    return render(
        request,
        "drift/rule_list.html",
        {
            "rules": DriftRule.objects.order_by("segment", "name"),
            "accounts": Paginator(own, PAGE_SIZE).get_page(request.GET.get("page")),
            "may_edit": may(request.membership, Action.DRIFT_RULES),
        },
    )


@advisory_required
def account_settings(request, pk: int):
    """An account's own drift rule and restrictions: its advisor, or the firm-wide roles."""
    account = get_object_or_404(Account.objects.select_related("client"), pk=pk)
    account_action_check(request.membership, account.advisor_id)
    settings = AccountDriftSettings.objects.filter(account=account).first()
    settings = settings or AccountDriftSettings(firm=request.firm, account=account)
    form = AccountDriftSettingsForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        account_settings_save(settings=form.save(commit=False), actor=request.user)
        messages.success(request, f"Drift settings of account {account.number} saved.")
        return redirect("drift:account", pk=account.pk)
    return render(request, "drift/account_settings.html", {"form": form, "account": account})


@action_required(Action.DRIFT_RULES)
def rule_edit(request, pk: int | None = None):
    rule = get_object_or_404(DriftRule, pk=pk) if pk else DriftRule(firm=request.firm)
    form = DriftRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        drift_rule_save(rule=form.save(commit=False), actor=request.user)
        messages.success(request, f"Rule “{rule.name}” saved.")
        return redirect("drift:rules")
    return render(request, "drift/rule_form.html", {"form": form, "rule": rule})


@action_required(Action.MODELS)
def model_change(request, pk: int):
    """Weights of the model's holdings: preview, then apply with the preview's confirmation
    (server-side: the apply carries a signed digest of exactly the previewed weights)."""
    model = get_object_or_404(ModelPortfolio, pk=pk)
    targets = list(
        ModelTarget.objects.filter(model=model).select_related("security").order_by("asset_class")
    )
    form = ModelTargetsForm(request.POST or None, targets=targets)
    preview = confirm = None
    if request.method == "POST" and form.is_valid():
        new = form.new_targets()
        if request.POST.get("action") == "apply":
            if apply_confirmed(request.POST.get("confirm", ""), model.pk, new):
                busy = versions_in_batch(model.accounts.values_list("pk", flat=True))
                ids = model_change_apply(model=model, targets=new, actor=request.membership)
                messages.success(request, f"Model saved; {len(ids)} proposals created.")
                if busy:
                    messages.warning(
                        request,
                        "Left as they are until their trade batch settles (the next scan then "
                        "re-evaluates them): " + " ".join(busy.values()),
                    )
                return redirect("drift:model_change", pk=model.pk)
            messages.error(
                request,
                "Not applied: confirm the preview of exactly these weights (it changed, or is "
                "over an hour old).",
            )
        preview = model_change_preview(model=model, targets=new)
        confirm = apply_confirmation(model.pk, new)
    return render(
        request,
        "drift/model_change.html",
        {"model": model, "form": form, "preview": preview, "confirm": confirm},
    )


# --- Charts: the product's one SVG helper (portfolios.calc.charts) fed with drift data ----------


def drift_history_chart(snapshots, band=None):
    points = [(s.as_of.isoformat(), s.portfolio_drift) for s in snapshots]
    return line_chart(
        points, title="Portfolio drift (percentage points)", unit=" pp", threshold=band
    )


@role_required(*IMPORT_ROLES)
def rescan_import(request, pk: int):
    """The import page's button: re-scan the accounts an import changed (or the whole firm,
    when a file moved every account's drift), through the queue."""
    run = get_object_or_404(ImportRun, pk=pk, ok=True)
    if request.method != "POST":
        return redirect(f"{reverse('portfolios:import')}?run={run.pk}")
    asked = rescan_request(firm_id=request.firm.pk, import_run=run, actor=request.user)
    scope = (
        "every account of the firm (the import changed prices, securities, models or rules)"
        if asked["account_ids"] is None
        else f"{len(asked['account_ids'])} account(s) the import changed"
    )
    if enqueue_now(drift_rescan, firm_id=request.firm.pk, **asked):
        messages.success(
            request, f"Re-scan of {scope} as of {asked['as_of']} queued; results appear below."
        )
    else:
        messages.error(request, "The task queue is unreachable; nothing was queued. Try again.")
    return redirect("drift:drifted")
