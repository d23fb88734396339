"""The client's own pages. A client sees only the accounts and proposals of their own Client
record; another client's id is a 404. Decisions are POSTs with a session and a CSRF token."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from approvals.calc.consent import DISCLOSURES
from approvals.choices import AuthMethod, StepRole, StepStatus
from approvals.models import ApprovalStep
from approvals.selectors import proposal_review
from approvals.services import ApprovalRefused, approval_client_approve, approval_client_decline
from approvals.services.decisions import Evidence
from approvals.services.links import portal_link_check
from approvals.services.signing import signing_code_required, signing_code_send
from firms.services.tenancy import firm_scope
from firms.views import client_required
from portal.services.link_sessions import (
    AUTH_KEY,
    client_user_ensure,
    link_session_end,
    link_session_refusal,
    link_session_start,
)
from portfolios.calc.charts import grouped_bars
from portfolios.models import Account
from portfolios.selectors import account_allocation

from .forms import ApproveForm, DeclineForm
from .selectors import (
    client_approvals,
    client_holdings,
    client_model_targets,
    client_waiting_and_decided,
    rebalance_history,
    trade_notes,
    trades_go_out,
)


def _client_accounts(user_id: int) -> list[Account]:
    return list(
        Account.objects.filter(client__user=user_id)
        .select_related("model")
        .only("number", "registration", "model_id", "model__name")
        .order_by("number")
    )


def _client_approval(user_id: int, pk: int) -> list:
    return list(client_approvals(user_id).select_related("proposal__account__client").filter(pk=pk))


def _approval_steps(approval_id: int) -> list[ApprovalStep]:
    return list(ApprovalStep.objects.filter(approval_id=approval_id).order_by("position"))


def _link_problem(request, message: str, status: int, title: str = ""):
    response = render(
        request, "portal/link_problem.html", {"problem": message, "title": title}, status=status
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


def link_session_guard(*, acting: bool):
    """A session opened from an emailed link acts only on its own approval while it waits,
    and ends once that approval is decided, expired or replaced (portal.services.link_sessions)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, pk: int | None = None, **kwargs):
            problem, end = link_session_refusal(request, pk=pk, acting=acting, now=timezone.now())
            if problem:
                if end:
                    link_session_end(request)
                return _link_problem(
                    request,
                    problem,
                    410 if end else 403,
                    "Your session from the emailed link has ended" if end else "Not from this link",
                )
            return view(request, *args, **({"pk": pk} if pk is not None else {}), **kwargs)

        return wrapped

    return decorator


@client_required
@link_session_guard(acting=False)
def home(request):
    accounts = _client_accounts(request.user.pk)
    holdings, targets = client_holdings(request.user.pk), client_model_targets(request.user.pk)
    cards = []
    for account in accounts:  # a client has a handful of accounts, not thousands
        total, allocation = account_allocation(
            account, holdings.get(account.pk, []), targets.get(account.model_id, [])
        )
        chart = grouped_bars(
            [(row.label, row.current_pct, row.target_pct) for row in allocation],
            title=f"Account ending {account.number[-4:]}: current vs target",
        )
        cards.append({"account": account, "total": total, "allocation": allocation, "chart": chart})
    waiting, decided = client_waiting_and_decided(request.user.pk)
    return render(
        request, "portal/home.html", {"cards": cards, "waiting": waiting, "decided": decided}
    )


@require_GET
def link(request, token: str):
    """Opening the emailed link signs the client in and shows the proposal; it decides nothing
    (mail scanners prefetch links). Runs before any firm is known: the token names the firm."""
    firm_id, check = portal_link_check(token=token, now=timezone.now())
    if not check.ok:
        return _link_problem(request, check.problem, 404 if check.link is None else 410)
    client = check.link.client
    if request.user.is_authenticated and request.user.pk != client.user_id:
        return _link_problem(
            request,
            "This link was sent to someone else. "
            "Sign out first if it is yours; nothing was changed.",
            403,
        )
    with firm_scope(firm_id):
        user = client_user_ensure(client=client)
        type(check.link).objects.filter(pk=check.link.pk, opened_at__isnull=True).update(
            opened_at=timezone.now()
        )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    link_session_start(request, approval_id=check.link.approval_id)
    response = redirect("portal:proposal", pk=check.link.approval_id)
    response["Referrer-Policy"] = "no-referrer"
    return response


def _approval(request, pk: int):
    """The client's own approval `pk` with its proposal, account and client, or 404."""
    found = _client_approval(request.user.pk, pk)
    if not found:
        raise Http404("No such proposal.")
    return found[0]


def _client_step(approval):
    return next((s for s in _approval_steps(approval.pk) if s.role == StepRole.CLIENT), None)


def _can_decide(approval, client_step) -> bool:
    return bool(
        client_step
        and client_step.status == StepStatus.ACTIVE
        and approval.status == "pending"
        and timezone.now() < approval.deadline
    )


def _code_required(request, approval) -> bool:
    """Signing from a link session needs a one-time code where the firm asks for one."""
    return request.session.get(AUTH_KEY) == AuthMethod.LINK and signing_code_required(
        firm_id=approval.firm_id
    )


def _review(request, approval, approve_form=None, decline_form=None, status=200):
    proposal = approval.proposal
    client_step = _client_step(approval)
    can_decide = _can_decide(approval, client_step)
    content = proposal_review(proposal)
    notes = trade_notes(proposal, content["trades"])
    for trade in content["trades"]:
        trade.note = notes.get(trade.pk, "")
    context = {
        **content,
        "approval": approval,
        "client_step": client_step,
        "can_decide": can_decide,
        "code_required": can_decide and _code_required(request, approval),
        "disclosures": DISCLOSURES,
        "goes_out": trades_go_out(approval, timezone.now()),
        "history": rebalance_history(proposal.account, exclude_id=proposal.pk),
        "signature": getattr(approval, "signature", None)
        if approval.status == "approved"
        else None,
        "approve_form": approve_form
        or ApproveForm(
            initial={"content_hash": approval.content_hash},
            expected_name=proposal.account.client.name,
        ),
        "decline_form": decline_form or DeclineForm(),
    }
    return render(request, "portal/proposal.html", context, status=status)


@client_required
@link_session_guard(acting=False)
def proposal(request, pk: int):
    return _review(request, _approval(request, pk))


@client_required
@require_POST
@link_session_guard(acting=True)
def signing_code(request, pk: int):
    """Email the client a one-time code to sign this proposal (link sessions, where the firm
    asks)."""
    approval = _approval(request, pk)
    if not (_can_decide(approval, _client_step(approval)) and _code_required(request, approval)):
        messages.info(request, "No signing code is needed for this proposal now.")
        return redirect("portal:proposal", pk=pk)
    try:
        signing_code_send(approval=approval, user=request.user, now=timezone.now())
    except ApprovalRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, "We emailed you a six-digit code. Type it below within 10 minutes to sign."
        )
    return redirect("portal:proposal", pk=pk)


@client_required
@require_POST
@link_session_guard(acting=True)
def approve(request, pk: int):
    approval = _approval(request, pk)
    form = ApproveForm(request.POST, expected_name=approval.proposal.account.client.name)
    if not form.is_valid():
        return _review(request, approval, approve_form=form, status=400)
    evidence = Evidence(
        typed_name=form.cleaned_data["typed_name"],
        ip_address=request.META.get("REMOTE_ADDR", ""),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        auth_method=request.session.get(AUTH_KEY, AuthMethod.PASSWORD),
        shown_hash=form.cleaned_data["content_hash"],
        signing_code=form.cleaned_data["signing_code"],
    )
    return _decided(
        request,
        pk,
        lambda: approval_client_approve(
            approval_id=pk, user=request.user, evidence=evidence, now=timezone.now()
        ),
    )


@client_required
@require_POST
@link_session_guard(acting=True)
def decline(request, pk: int):
    _approval(request, pk)
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _decided(
        request,
        pk,
        lambda: approval_client_decline(
            approval_id=pk, user=request.user, reason=reason, now=timezone.now()
        ),
    )


def _decided(request, pk, act):
    try:
        result = act()
    except ApprovalRefused as exc:
        messages.error(request, str(exc))
    else:
        (messages.success if result.changed else messages.info)(request, result.message)
    return redirect("portal:proposal", pk=pk)


@client_required
@link_session_guard(acting=False)
def signed_pdf(request, pk: int):
    approval = _approval(request, pk)
    signature = getattr(approval, "signature", None) if approval.status == "approved" else None
    if signature is None or not signature.pdf:
        raise Http404("No signed copy exists for this proposal.")
    return FileResponse(
        signature.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"signed-proposal-{approval.proposal_id}-v{approval.version}.pdf",
    )
