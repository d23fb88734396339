"""Staff pages: the "waiting for me" queue, one approval with its steps and the decision
form, and the firm's routing rules and settings."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from core.bulk import bulk_view
from core.lists import list_csv, list_read, wants_csv
from drift.selectors.story import proposal_for_review, proposal_story
from firms.choices import Role
from firms.permissions import Action, action_required, roles_for
from firms.services.audit import audit_record
from firms.views import (
    account_action_check,
    confirm_page,
    confirmed,
    role_required,
    staff_required,
)

from .choices import StepRole
from .forms import ApprovalSettingsForm, RoutingRuleForm, StepDecisionForm
from .lists import APPROVALS, BULK, BULK_ROLES, approvals_for_list, bulk_actions_for
from .models import Approval, ApprovalStep, RoutingRule, Signature
from .selectors import (
    NOTICE_DAYS,
    advisor_notices,
    approval_settings_get,
    proposal_review,
    routing_rules_get,
    steps_waiting_for,
)
from .services import ApprovalRefused, step_approve, step_decline
from .services.routing_rules import routing_rule_save

deciders_required = role_required(
    *(
        roles_for(Action.APPROVE_ADVISOR_STEP)
        | roles_for(Action.APPROVE_SENIOR_STEP)
        | roles_for(Action.APPROVE_COMMITTEE_STEP)
    )
)
settings_required = action_required(Action.ROUTING)


@staff_required
def queue(request):
    overdue = request.GET.get("overdue") == "1"
    now = timezone.now()
    steps = steps_waiting_for(membership=request.membership, overdue_at=now if overdue else None)
    escalated = Approval.objects.filter(
        status="pending", escalated_at__isnull=False
    ).select_related("proposal__account")
    told = advisor_notices(since=now - NOTICE_DAYS)
    if request.membership.role == Role.ADVISOR:
        escalated = escalated.filter(proposal__account__advisor=request.membership)
        told = told.filter(recipient__iexact=request.user.email)
    return render(
        request,
        "approvals/queue.html",
        {
            "steps": steps[:200],
            "overdue": overdue,
            "now": now,
            "escalated": escalated.order_by("deadline")[:100],
            "told": told[:100],
        },
    )


@staff_required
def approval_list(request):
    """Every approval, pending and decided: search, sort, filters, totals, CSV, bulk actions."""
    from portfolios.lists import book_filter_options

    state = list_read(request, APPROVALS, approvals_for_list(), book_filter_options())
    if wants_csv(request):
        return list_csv(state)
    return render(
        request,
        "approvals/list.html",
        {
            "list": state,
            "page": state.page,
            "actions": bulk_actions_for(request.membership.role),
            "step_labels": dict(StepRole.choices),
        },
    )


@role_required(*BULK_ROLES)
def approval_bulk(request):
    return bulk_view(request, BULK, default_back=reverse("approvals:list"))


@staff_required
def approval_detail(request, pk: int):
    approval = get_object_or_404(Approval, pk=pk)
    proposal = proposal_for_review(approval.proposal_id)[0]
    steps = list(approval.steps.select_related("actor").prefetch_related("votes__member__user"))
    return render(
        request,
        "approvals/approval_detail.html",
        {
            **proposal_review(proposal),
            "story": proposal_story(proposal, approval=approval),
            "approval": approval,
            "steps": steps,
            "form": StepDecisionForm(),
        },
    )


@staff_required
def signed_pdf(request, pk: int):
    """The client's signed copy, for the firm's staff (the portal serves the client's)."""
    signature = get_object_or_404(
        Signature.objects.select_related("approval"), approval_id=pk, approval__status="approved"
    )
    if not signature.pdf:
        raise Http404("The signed PDF is still being rendered.")
    return FileResponse(
        signature.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"signed-proposal-{signature.approval.proposal_id}-v{signature.approval.version}.pdf",
    )


@deciders_required
def step_decide(request, pk: int):
    step = get_object_or_404(
        ApprovalStep.objects.select_related("approval__proposal__account"), pk=pk
    )
    if request.method != "POST":
        return redirect("approvals:approval", pk=step.approval_id)
    account_action_check(request.membership, step.approval.proposal.account.advisor_id)
    form = StepDecisionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("approvals:approval", pk=step.approval_id)
    kw = {
        "approval_id": step.approval_id,
        "step_id": step.pk,
        "membership": request.membership,
        "now": timezone.now(),
        "comment": form.cleaned_data["comment"],
    }
    if form.cleaned_data["decision"] == "decline" and not confirmed(request):
        return confirm_page(
            request,
            title=f"Decline the proposal for account {step.approval.proposal.account.number}?",
            lines=[
                "Declining closes the approval: the whole proposal will not be traded.",
                f"Your reason, recorded in the audit trail: “{form.cleaned_data['comment']}”",
            ],
            button="Confirm: decline the proposal",
            cancel=reverse("approvals:approval", args=[step.approval_id]),
        )
    try:
        if form.cleaned_data["decision"] == "approve":
            result = step_approve(**kw, document=form.cleaned_data["document"])
        else:
            result = step_decline(**kw)
    except ApprovalRefused as exc:
        messages.error(request, str(exc))
    else:
        (messages.success if result.changed else messages.info)(request, result.message)
    return redirect("approvals:approval", pk=step.approval_id)


@staff_required
def rules(request):
    return render(
        request,
        "approvals/rules.html",
        {
            "rules": routing_rules_get(firm_id=request.firm.pk),
            "settings": approval_settings_get(firm_id=request.firm.pk),
        },
    )


def _saved(request, form, event: str, label: str):
    obj = form.save(commit=False)
    obj.firm = request.firm
    obj.save()
    audit_record(
        firm_id=request.firm.pk, event=event, actor=request.user, obj=obj, payload=form.cleaned_data
    )
    messages.success(request, f"{label} saved.")
    return redirect("approvals:rules")


@settings_required
def rule_edit(request, pk: int | None = None):
    rule = get_object_or_404(RoutingRule, pk=pk) if pk else RoutingRule(firm=request.firm)
    form = RoutingRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        routing_rule_save(rule=form.save(commit=False), actor=request.user)
        messages.success(request, f"Tier “{rule.name}” saved.")
        return redirect("approvals:rules")
    title = f"Routing tier: {rule.name}" if pk else "New routing tier"
    return render(request, "approvals/form.html", {"form": form, "title": title})


@settings_required
def settings_edit(request):
    form = ApprovalSettingsForm(
        request.POST or None, instance=approval_settings_get(firm_id=request.firm.pk)
    )
    if request.method == "POST" and form.is_valid():
        return _saved(request, form, "approvals.settings_saved", "Approval settings")
    return render(request, "approvals/form.html", {"form": form, "title": "Approval settings"})
