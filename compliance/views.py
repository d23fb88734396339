"""Compliance pages: the officer's queue and review, identical pairs, rules. Thin views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core.bulk import bulk_view
from core.lists import list_csv, list_read, wants_csv
from drift.models import ComplianceRule, Proposal
from drift.selectors.story import proposal_story
from firms.permissions import Action, action_required
from firms.views import account_action_check
from portfolios.lists import book_filter_options
from portfolios.models import SubstantiallyIdenticalPair, Substitute

from .forms import (
    OverrideForm,
    PairForm,
    RejectForm,
    RuleForm,
    SubstituteForm,
    rule_parameters,
)
from .lists import BULK, QUEUE, bulk_actions_for, reviews_for_list
from .models import ComplianceReview
from .services.regenerate import RegenerateRefused, proposal_regenerate_substitute
from .services.review import ReviewRefused, review_override, review_reject
from .services.rules import (
    compliance_rule_save,
    compliance_rules_ensure_defaults,
    identical_pair_add,
    identical_pair_remove,
    substitute_add,
    substitute_remove,
)

officer_required = action_required(Action.COMPLIANCE_DECIDE)
fixer_required = action_required(Action.COMPLIANCE_REBUILD)
rules_required = action_required(Action.COMPLIANCE_RULES)


@officer_required
def queue(request):
    state = list_read(request, QUEUE, reviews_for_list(), book_filter_options())
    if wants_csv(request):
        return list_csv(state)
    return render(
        request,
        "compliance/queue.html",
        {"list": state, "page": state.page, "actions": bulk_actions_for(request.membership.role)},
    )


@officer_required
def queue_bulk(request):
    return bulk_view(request, BULK, default_back=reverse("compliance:queue"))


def _review_page(request, proposal: Proposal, override_form=None, reject_form=None, status=200):
    review = (
        ComplianceReview.objects.filter(proposal=proposal).select_related("officer__user").first()
    )
    return render(
        request,
        "compliance/review.html",
        {
            "proposal": proposal,
            "story": proposal_story(proposal),
            "review": review,
            "results": proposal.check_results.order_by("passed", "kind"),
            "override_form": override_form or OverrideForm(),
            "reject_form": reject_form or RejectForm(),
        },
        status=status,
    )


def _proposal(pk: int) -> Proposal:
    return get_object_or_404(Proposal.objects.select_related("account__client"), pk=pk)


@officer_required
def review(request, pk: int):
    return _review_page(request, _proposal(pk))


@officer_required
def override(request, pk: int):
    proposal = _proposal(pk)
    if request.method != "POST":
        return redirect("compliance:review", pk=pk)
    form = OverrideForm(request.POST)
    review = get_object_or_404(ComplianceReview, proposal=proposal)
    if not form.is_valid():
        return _review_page(request, proposal, override_form=form, status=400)
    try:
        review_override(
            review=review, officer=request.membership, reason=form.cleaned_data["reason"]
        )
    except ReviewRefused as exc:
        form.add_error(None, str(exc))
        return _review_page(request, proposal, override_form=form, status=409)
    messages.success(
        request, f"Proposal v{proposal.version} of {proposal.account.number} cleared by override."
    )
    return redirect("compliance:queue")


@officer_required
def reject(request, pk: int):
    proposal = _proposal(pk)
    if request.method != "POST":
        return redirect("compliance:review", pk=pk)
    form = RejectForm(request.POST)
    review = get_object_or_404(ComplianceReview, proposal=proposal)
    try:
        review_reject(review=review, officer=request.membership, reason=form.data.get("reason", ""))
    except ReviewRefused as exc:
        form.add_error(None, str(exc))
        return _review_page(request, proposal, reject_form=form, status=409)
    messages.success(
        request, f"Proposal v{proposal.version} of {proposal.account.number} rejected."
    )
    return redirect("compliance:queue")


@fixer_required
def regenerate(request, pk: int):
    proposal = _proposal(pk)
    if request.method != "POST":
        return redirect("drift:proposal", pk=pk)
    account_action_check(request.membership, proposal.account.advisor_id)
    try:
        new = proposal_regenerate_substitute(proposal=proposal, actor=request.membership)
    except RegenerateRefused as exc:
        messages.error(request, str(exc))
        return redirect("drift:proposal", pk=pk)
    messages.success(
        request, f"Version {new.version} created with the substitute; compliance checks it next."
    )
    return redirect("drift:proposal", pk=new.pk)


def _security_rows_page(request, *, form_class, add, rows, template, url_name, added: str):
    """The pairs and substitutes pages: the list, and a form whose valid POST goes through the
    row's service (`add(cleaned_data)`); a refusal shows on the form, nothing half-written."""
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            add(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, added)
            return redirect(url_name)
    return render(request, template, {"rows": rows, "form": form})


@rules_required
def pairs(request):
    return _security_rows_page(
        request,
        form_class=PairForm,
        add=lambda data: identical_pair_add(
            firm_id=request.firm.pk,
            first=data["first"],
            second=data["second"],
            note=data["note"],
            actor=request.user,
        ),
        rows=SubstantiallyIdenticalPair.objects.select_related("security_a", "security_b").order_by(
            "security_a__symbol", "security_b__symbol"
        ),
        template="compliance/pairs.html",
        url_name="compliance:pairs",
        added="Pair added.",
    )


@rules_required
def pair_delete(request, pk: int):
    pair = get_object_or_404(
        SubstantiallyIdenticalPair.objects.select_related("security_a", "security_b"), pk=pk
    )
    if request.method == "POST":
        identical_pair_remove(pair=pair, actor=request.user)
        messages.success(request, f"Pair {pair.security_a} ≈ {pair.security_b} removed.")
    return redirect("compliance:pairs")


@officer_required
def substitutes(request):
    """Fair replacements per security (tax-loss harvesting, the wash-sale swap)."""
    return _security_rows_page(
        request,
        form_class=SubstituteForm,
        add=lambda data: substitute_add(
            firm_id=request.firm.pk,
            security=data["security"],
            substitute=data["substitute"],
            rank=data["rank"],
            actor=request.user,
        ),
        rows=Substitute.objects.select_related("security", "substitute").order_by(
            "security__symbol", "rank", "substitute__symbol"
        ),
        template="compliance/substitutes.html",
        url_name="compliance:substitutes",
        added="Substitute added.",
    )


@officer_required
def substitute_delete(request, pk: int):
    row = get_object_or_404(Substitute.objects.select_related("security", "substitute"), pk=pk)
    if request.method == "POST":
        substitute_remove(row=row, actor=request.user)
        messages.success(request, f"{row.substitute} no longer substitutes for {row.security}.")
    return redirect("compliance:substitutes")


@officer_required
def rules(request):
    compliance_rules_ensure_defaults(firm_id=request.firm.pk)
    rows = [(rule, rule_parameters(rule)) for rule in ComplianceRule.objects.order_by("kind")]
    return render(request, "compliance/rules.html", {"rows": rows})


@rules_required
def rule_edit(request, pk: int):
    rule = get_object_or_404(ComplianceRule, pk=pk)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        compliance_rule_save(rule=form.save(commit=False), actor=request.user)
        messages.success(request, f"Rule “{rule.get_kind_display()}” saved.")
        return redirect("compliance:rules")
    return render(request, "compliance/rule_form.html", {"form": form, "rule": rule})
