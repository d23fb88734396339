"""The firm scope: application filter (django-scopes) and database setting (RLS) together."""

from contextlib import contextmanager

from django_scopes import scope

from .db_security import db_firm, db_member_firm, db_user, in_scope
from .models import Firm, Membership


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


_MEMBERSHIP_FIELDS = [f for f in Membership._meta.concrete_fields]
_FIRM_FIELDS = [f for f in Firm._meta.concrete_fields]
_COLUMNS = ", ".join(
    [f'm."{f.column}"' for f in _MEMBERSHIP_FIELDS] + [f'f."{f.column}"' for f in _FIRM_FIELDS]
)


@contextmanager
def member_scope(user, facts: dict[str, str] | None = None):
    """The request's outermost scope: yields the user's membership (its `firm` loaded) with
    everything inside the block in that firm's scope, as `membership_for_user(user)` followed
    by `firm_scope(membership.firm_id)` and reading the firm would, in one database round trip
    (firms.db_security.db_member_firm). Yields None, with no scope, for a user who is not a
    member (or not signed in). Read on every request: a revoked or changed membership counts
    from the next request on.

    `facts`: {name: SQL expression} read in the same statement, under the firm's scope (RLS
    applies; `f` is the firm row, `m` the membership), set on the membership as `facts`."""
    if not user.is_authenticated:
        yield None
        return
    if in_scope():  # nested in a scope (tests, a request handled inside a job): the two-step way
        membership = membership_for_user(user)
        if membership is None:
            yield None
            return
        with firm_scope(membership.firm_id):
            membership.firm = Firm.objects.get(pk=membership.firm_id)
            membership.facts = {}
            yield membership
        return
    names = list(facts or {})
    columns = ", ".join([_COLUMNS] + [f"({facts[name]})" for name in names])
    with db_member_firm(user.pk, columns) as row:
        if row is None:
            yield None
            return
        n, k = len(_MEMBERSHIP_FIELDS), len(_MEMBERSHIP_FIELDS) + len(_FIRM_FIELDS)
        membership = Membership.from_db("default", [f.attname for f in _MEMBERSHIP_FIELDS], row[:n])
        membership.firm = Firm.from_db("default", [f.attname for f in _FIRM_FIELDS], row[n:k])
        membership.facts = dict(zip(names, row[k:]))
        with scope(firm=membership.firm_id):
            yield membership
