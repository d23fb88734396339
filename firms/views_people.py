"""People and keys: a firm administrator invites staff and clients, revokes invitations,
removes members, issues and revokes API tokens. And the public page where an invitation is
accepted (a signed, expiring link; no open sign-up)."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from firms.choices import Role
from firms.forms import AcceptInviteForm, ClientInviteForm, StaffInviteForm, TokenForm
from firms.models import Invitation, Membership
from firms.permissions import Action, action_required
from firms.services.api_tokens import TokenRefused, api_token_issue, api_token_revoke, firm_tokens
from firms.services.invitations import (
    InvitationRefused,
    invitation_accept,
    invitation_create,
    invitation_open,
    invitation_revoke,
)
from firms.services.members import RoleChangeRefused, membership_remove
from firms.views import confirm_page, confirmed

people_required = action_required(Action.PEOPLE)
tokens_required = action_required(Action.API_TOKENS)


def _people_context(request, staff_form=None, client_form=None):
    now = timezone.now()
    invitations = list(
        Invitation.objects.select_related("client", "invited_by").order_by("-created_at")[:200]
    )
    for inv in invitations:
        inv.status = inv.status_at(now)
    return {
        "members": Membership.objects.select_related("user").order_by("role", "user__email"),
        "invitations": invitations,
        "staff_form": staff_form or StaffInviteForm(actor=request.membership),
        "client_form": client_form or ClientInviteForm(),
    }


@people_required
def people(request):
    staff_form = client_form = None
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind")
        try:
            if kind == "client":
                client_form = ClientInviteForm(request.POST)
                if client_form.is_valid():
                    invitation, _link = invitation_create(
                        actor=request.membership,
                        email=client_form.cleaned_data["client_email"],
                        role=Role.CLIENT,
                        client=client_form.client,
                    )
                    messages.success(request, f"Invitation sent to {invitation.email}.")
                    return redirect("people:home")
            else:
                staff_form = StaffInviteForm(request.POST, actor=request.membership)
                if staff_form.is_valid():
                    d = staff_form.cleaned_data
                    invitation, _link = invitation_create(
                        actor=request.membership, email=d["email"], role=d["role"], name=d["name"]
                    )
                    messages.success(
                        request,
                        f"Invitation sent to {invitation.email} "
                        f"({invitation.get_role_display().lower()}).",
                    )
                    return redirect("people:home")
        except InvitationRefused as exc:
            (client_form if kind == "client" else staff_form).add_error(None, str(exc))
        status = 400
    return render(
        request,
        "firms/people.html",
        _people_context(request, staff_form, client_form),
        status=status,
    )


@people_required
@require_POST
def invitation_revoke_view(request, pk: int):
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        invitation_revoke(actor=request.membership, invitation=invitation)
    except InvitationRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The invitation to {invitation.email} is revoked.")
    return redirect("people:home")


@people_required
@require_POST
def member_remove_view(request, pk: int):
    member = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    if not confirmed(request):
        return confirm_page(
            request,
            title=f"Remove {member.display_name}?",
            lines=[
                f"{member.user.email} ({member.get_role_display()}) will no longer be able to "
                "sign in to the firm. Their API tokens stop working."
            ],
            button="Confirm: remove the member",
            cancel=reverse("people:home"),
        )
    try:
        membership_remove(actor=request.membership, membership=member)
    except RoleChangeRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{member.user.email} removed from the firm.")
    return redirect("people:home")


@never_cache
@tokens_required
def api_tokens(request):
    form = TokenForm(request.POST or None, actor=request.membership)
    issued = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                token, key = api_token_issue(
                    actor=request.membership, member=d["member"], name=d["name"], role=d["role"]
                )
            except TokenRefused as exc:
                form.add_error(None, str(exc))
            else:
                issued, status = {"token": token, "key": key}, 201
                form = TokenForm(actor=request.membership)
    return render(
        request,
        "firms/api_tokens.html",
        {"form": form, "issued": issued, "tokens": list(firm_tokens(request.firm.pk)[:200])},
        status=status,
    )


@tokens_required
@require_POST
def api_token_revoke_view(request, pk: int):
    token = get_object_or_404(firm_tokens(request.firm.pk), pk=pk)
    try:
        api_token_revoke(actor=request.membership, token=token)
    except TokenRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Token “{token.name or token.prefix}” revoked.")
    return redirect("people:tokens")


@never_cache
def invite_accept(request, token: str):
    """Public: the invited person chooses their password; then they are signed in."""
    if request.user.is_authenticated:
        raise PermissionDenied("Sign out first: this invitation is for somebody to join the firm.")
    try:
        opened = invitation_open(token)
    except InvitationRefused as exc:
        return render(request, "firms/invite_accept.html", {"refused": str(exc)}, status=410)
    form = AcceptInviteForm(request.POST or None, initial={"name": opened.invitation.name})
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token,
                password=form.cleaned_data["password1"],
                name=form.cleaned_data["name"],
            )
        except InvitationRefused as exc:
            return render(request, "firms/invite_accept.html", {"refused": str(exc)}, status=410)
        login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
        messages.success(request, f"Welcome to {opened.firm.name}.")
        return redirect("home")
    return render(
        request,
        "firms/invite_accept.html",
        {"form": form, "invitation": opened.invitation, "invited_firm": opened.firm},
        status=400 if request.method == "POST" else 200,
    )
