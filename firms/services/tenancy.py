"""The firm scope: application filter (django-scopes) and database setting (RLS) together."""

from contextlib import contextmanager

from django_scopes import scope

from firms.models import Firm, Membership
from firms.services.db_security import db_firm, db_user, push_settings


def _firm_id(firm: Firm | int) -> int:
    return firm if isinstance(firm, int) else firm.pk


@contextmanager
def firm_scope(firm: Firm | int):
    """Everything inside sees this firm's rows and nothing else, in Python and in Postgres."""
    firm_id = _firm_id(firm)
    with scope(firm=firm_id), db_firm(firm_id):
        yield


def membership_for_user(user) -> Membership | None:
    """The user's membership, looked up before any firm scope exists.

    RLS on memberships lets a connection read the row whose user_id is app.user_id, so this
    lookup cannot reveal anybody else's membership even though it has no firm filter.
    """
    if not user.is_authenticated:
        return None
    with db_user(user.pk):
        return Membership.resolver.filter(user_id=user.pk).first()


@contextmanager
def membership_scope(user):
    """The block runs with the user's membership (None for a visitor or a user without one)
    and, for a member, inside the firm's scope: the request path's scope.

    The same as membership_for_user followed by firm_scope and a read of the firm, in two
    statements fewer: the firm is read with the membership, and firm_scope's own push replaces
    the user setting (no push to clear it in between)."""
    if not user.is_authenticated:
        yield None
        return
    with db_user(user.pk, restore=False):
        # The firm row comes with it: RLS shows a user the firm of their own membership.
        membership = Membership.resolver.select_related("firm").filter(user_id=user.pk).first()
    if membership is None:
        push_settings()  # clears the user setting
        yield None
        return
    with firm_scope(membership.firm_id):
        yield membership
