"""The client's own pages. A client sees only the accounts and proposals of their own Client
record; another client's id is a 404. Decisions are POSTs with a session and a CSRF token."""
from django.contrib import messages
from django.contrib.auth import login
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from approvals.choices import AuthMethod, StepRole, StepStatus
from approvals.consent import DISCLOSURES
from approvals.links import portal_link_check
from approvals.models import ApprovalStep
from approvals.presentation import proposal_review
from approvals.services import ApprovalRefused, approval_client_approve, approval_client_decline
from approvals.services.decisions import Evidence
from firms.access import client_required
from firms.precompiled import Precompiled
from firms.tenancy import firm_scope
from portfolios.charts import grouped_bars
from portfolios.models import Account
from portfolios.selectors import account_allocation

from .forms import ApproveForm, DeclineForm
from .selectors import (client_approvals, client_holdings, client_model_targets, client_waiting_and_decided,
                        rebalance_history)
from .sessions import AUTH_KEY, client_user_ensure


# The portal's per-request lookups, compiled once per process (firms.precompiled).
_client_accounts = Precompiled(lambda user_id: Account.objects.filter(client__user=user_id).select_related("model")
                               .only("number", "registration", "model_id", "model__name").order_by("number"), 1)
_client_approval = Precompiled(lambda user_id, pk: client_approvals(user_id).select_related("proposal__account__client")
                               .filter(pk=pk), 2)
_approval_steps = Precompiled(lambda approval_id: ApprovalStep.objects.filter(approval_id=approval_id).order_by("position"), 1)


@client_required
def home(request):
    accounts = _client_accounts(request.user.pk)
    holdings, targets = client_holdings(request.user.pk), client_model_targets(request.user.pk)
    cards = []
    for account in accounts:  # a client has a handful of accounts, not thousands
        total, allocation = account_allocation(account, holdings.get(account.pk, []), targets.get(account.model_id, []))
        chart = grouped_bars(
            [(row.label, row.current_pct, row.target_pct) for row in allocation],
            title=f"Account ending {account.number[-4:]}: current vs target",
        )
        cards.append({"account": account, "total": total, "allocation": allocation, "chart": chart})
    waiting, decided = client_waiting_and_decided(request.user.pk)
    return render(request, "portal/home.html", {"cards": cards, "waiting": waiting, "decided": decided})


def _link_problem(request, message: str, status: int):
    response = render(request, "portal/link_problem.html", {"problem": message}, status=status)
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def link(request, token: str):
    """Opening the emailed link signs the client in and shows the proposal; it decides nothing
    (mail scanners prefetch links). Runs before any firm is known: the token names the firm."""
    firm_id, check = portal_link_check(token=token, now=timezone.now())
    if not check.ok:
        return _link_problem(request, check.problem, 404 if check.link is None else 410)
    client = check.link.client
    if request.user.is_authenticated and request.user.pk != client.user_id:
        return _link_problem(request, "This link was sent to someone else. Sign out first if it is yours; nothing was changed.", 403)
    with firm_scope(firm_id):
        user = client_user_ensure(client=client)
        type(check.link).objects.filter(pk=check.link.pk, opened_at__isnull=True).update(opened_at=timezone.now())
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[AUTH_KEY] = AuthMethod.LINK
    response = redirect("portal:proposal", pk=check.link.approval_id)
    response["Referrer-Policy"] = "no-referrer"
    return response


def _approval(request, pk: int):
    """The client's own approval `pk` with its proposal, account and client, or 404."""
    found = _client_approval(request.user.pk, pk)
    if not found:
        raise Http404("No such proposal.")
    return found[0]


def _review(request, approval, approve_form=None, decline_form=None, status=200):
    proposal = approval.proposal
    client_step = next((s for s in _approval_steps(approval.pk) if s.role == StepRole.CLIENT), None)
    can_decide = bool(client_step and client_step.status == StepStatus.ACTIVE and approval.status == "pending"
                      and timezone.now() < approval.deadline)
    context = {**proposal_review(proposal), "approval": approval, "client_step": client_step, "can_decide": can_decide,
               "disclosures": DISCLOSURES, "history": rebalance_history(proposal.account, exclude_id=proposal.pk),
               "signature": getattr(approval, "signature", None) if approval.status == "approved" else None,
               "approve_form": approve_form or ApproveForm(initial={"content_hash": approval.content_hash},
                                                           expected_name=proposal.account.client.name),
               "decline_form": decline_form or DeclineForm()}
    return render(request, "portal/proposal.html", context, status=status)


@client_required
def proposal(request, pk: int):
    return _review(request, _approval(request, pk))


@client_required
@require_POST
def approve(request, pk: int):
    approval = _approval(request, pk)
    form = ApproveForm(request.POST, expected_name=approval.proposal.account.client.name)
    if not form.is_valid():
        return _review(request, approval, approve_form=form, status=400)
    evidence = Evidence(typed_name=form.cleaned_data["typed_name"], ip_address=request.META.get("REMOTE_ADDR", ""),
                        user_agent=request.META.get("HTTP_USER_AGENT", ""),
                        auth_method=request.session.get(AUTH_KEY, AuthMethod.PASSWORD),
                        shown_hash=form.cleaned_data["content_hash"])
    return _decided(request, pk, lambda: approval_client_approve(approval_id=pk, user=request.user, evidence=evidence,
                                                                 now=timezone.now()))


@client_required
@require_POST
def decline(request, pk: int):
    _approval(request, pk)
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _decided(request, pk, lambda: approval_client_decline(approval_id=pk, user=request.user, reason=reason,
                                                                 now=timezone.now()))


def _decided(request, pk, act):
    try:
        result = act()
    except ApprovalRefused as exc:
        messages.error(request, str(exc))
    else:
        (messages.success if result.changed else messages.info)(request, result.message)
    return redirect("portal:proposal", pk=pk)


@client_required
def signed_pdf(request, pk: int):
    approval = _approval(request, pk)
    signature = getattr(approval, "signature", None) if approval.status == "approved" else None
    if signature is None or not signature.pdf:
        raise Http404("No signed copy exists for this proposal.")
    return FileResponse(signature.pdf.open("rb"), content_type="application/pdf",
                        filename=f"signed-proposal-{approval.proposal_id}-v{approval.version}.pdf")
