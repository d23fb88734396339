"""Role gates for views: who may open which page."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .roles import OWN_BOOK_ROLES, STAFF_ROLES, Role


def role_required(*roles: str):
    """The view needs a signed-in member of a firm holding one of `roles`."""
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None)
            if membership is None or membership.role not in allowed:
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = allowed
        return wrapped

    return decorator


staff_required = role_required(*STAFF_ROLES)
client_required = role_required(Role.CLIENT)


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
            "Only the account's own advisor, a senior advisor or a firm administrator may act on this account."
        )
