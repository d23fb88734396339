"""The view plumbing every app uses: the role gates on views (who
may open which page, who may act on which account, who may call the API) and the base
template's context (the firm, the member and their menu)."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import mark_safe
from rest_framework.permissions import BasePermission

from firms.choices import (
    ADMIN_SITE_ROLES,
    COMPLIANCE_ROLES,
    IMPORT_ROLES,
    OWN_BOOK_ROLES,
    RECONCILIATION_VIEW_ROLES,
    STAFF_ROLES,
    Role,
)
from firms.permissions import Action, roles_for


def role_required(*roles: str, refusal: str = "Your role does not give access to this page."):
    """The view needs a signed-in member of a firm holding one of `roles`."""
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None)
            if membership is None or membership.role not in allowed:
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = allowed
        return wrapped

    return decorator


staff_required = role_required(*STAFF_ROLES)
client_required = role_required(Role.CLIENT)


class IsFirmStaff(BasePermission):
    """A firm's staff (token or session), never clients or outsiders."""

    message = "A staff member of a firm is required."

    def has_permission(self, request, view):
        membership = getattr(request._request, "membership", None) or getattr(
            request, "membership", None
        )
        return bool(
            request.user
            and request.user.is_authenticated
            and membership
            and membership.role in STAFF_ROLES
        )


class AccountNotYours(PermissionDenied):
    pass


def may_act_on_account(membership, advisor_id: int | None) -> bool:
    """An advisor acts only on accounts they advise (an account with no adviser is nobody's
    own: only firm-wide roles act on it); the other roles a view admits act firm-wide."""
    if membership.role not in OWN_BOOK_ROLES:
        return True
    return advisor_id is not None and advisor_id == membership.pk


def account_action_check(membership, advisor_id: int | None) -> None:
    """Raise AccountNotYours (a 403 on pages and the API) unless `membership` may act on the
    account advised by `advisor_id`: every account-level action (cash proposals, rebuilding a
    proposal, pre-approval) asks here."""
    if not may_act_on_account(membership, advisor_id):
        raise AccountNotYours(
            "Only the account's own advisor, a senior advisor or a firm administrator "
            "may act on this account."
        )


# The menu of base.html for each combination of role flags: its links depend only on those
# flags and on the URL configuration, so it is rendered once per process and key, not as
# 14 `{% url %}` tags on every page.
_MENUS: dict[tuple, dict] = {}


def _menu(flags: dict) -> dict:
    key = (tuple(flags.values()), get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    menu = _MENUS.get(key)
    if menu is None:
        menu = _MENUS[key] = {
            **flags,
            "home": reverse("home"),
            "logout": reverse("account_logout"),
            "links": mark_safe(render_to_string("_nav_links.html", {"nav": flags})),
        }
    return menu


def firm(request):
    """Context processor: the firm, the member and their menu, for base.html."""
    membership = getattr(request, "membership", None)
    role = membership.role if membership else None
    return {
        "firm": getattr(request, "firm", None),
        "membership": membership,
        "nav": _menu(
            {
                "staff": role is not None and role != Role.CLIENT,
                "client": role == Role.CLIENT,
                "imports": role in IMPORT_ROLES,
                "reconciliation": role in RECONCILIATION_VIEW_ROLES,
                "compliance": role in COMPLIANCE_ROLES,
                "admin": role in ADMIN_SITE_ROLES,
                "people": role in roles_for(Action.PEOPLE),
                "firm_admin": role == Role.FIRM_ADMIN,
            }
        ),
    }


# --- confirmation steps, server-side: a risky POST is only acted on when it carries
# `confirmed=yes`, which only the confirmation page adds (model apply, declines, pauses, bulk
# actions). A JavaScript confirm() alone would not stop a script or a stray double submit.


def confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get("confirmed") == "yes"


def confirm_page(request, *, title: str, lines: list[str], button: str, cancel: str):
    """The page asking to confirm this POST: it posts the same fields again, plus
    `confirmed=yes`, to the same URL."""
    from django.shortcuts import render

    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirmed")
        for value in values
    ]
    return render(
        request,
        "confirm.html",
        {
            "title": title,
            "lines": lines,
            "button": button,
            "cancel": cancel,
            "fields": fields,
            "action": request.get_full_path(),
        },
    )
