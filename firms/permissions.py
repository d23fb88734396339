"""The role matrix: which roles may take which action. ONE table (MATRIX), read by the pages
(`action_required`), the API (`ActionPermission`), the admin (FirmModelAdmin's
has_*_permission) and the approval steps; tests/firms/test_role_matrix.py checks it role by
role, and the README prints it (`manage.py role_matrix` writes that table).

An API token scoped to a role acts with that role (firms.services.api_tokens): the table
limits it as it limits a member holding the role."""

from django.core.exceptions import PermissionDenied
from django.db import models
from rest_framework.permissions import BasePermission

from firms.choices import Role

ADV, SEN, COM, CCO, OPS, ADM, CLI = (
    Role.ADVISOR,
    Role.SENIOR_ADVISOR,
    Role.COMMITTEE_MEMBER,
    Role.COMPLIANCE_OFFICER,
    Role.OPS,
    Role.FIRM_ADMIN,
    Role.CLIENT,
)


class Action(models.TextChoices):
    # firm-wide investment decisions: an investment committee's, or a firm administrator's
    MODELS = "models", "Create, edit, retire and apply models"
    DRIFT_RULES = "drift_rules", "Change firm-wide drift bands (drift rules)"
    # compliance
    COMPLIANCE_RULES = "compliance_rules", "Change compliance rules and substitute pairs"
    COMPLIANCE_DECIDE = "compliance_decide", "Override or reject compliance findings"
    COMPLIANCE_REBUILD = "compliance_rebuild", "Rebuild a proposal with the suggested fix"
    REPORTS = "reports", "Regenerate monthly reports; review tolerance widenings"
    # clients' communication and approval routing
    TEMPLATES = "templates", "Edit notification templates"
    ROUTING = "routing", "Change approval routing rules and approval settings"
    # approvals: who decides which step (an advisor only on accounts they advise)
    APPROVE_ADVISOR_STEP = "approve_advisor_step", "Decide an advisor pre-approval step"
    APPROVE_SENIOR_STEP = "approve_senior_step", "Decide a senior review step"
    APPROVE_COMMITTEE_STEP = "approve_committee_step", "Vote on a committee step"
    CLIENT_CONSENT = "client_consent", "Approve or decline one's own proposal (portal)"
    # the book and trading
    BOOK_IMPORT = "book_import", "Import the book from CSV files"
    CASH_PROPOSAL = "cash_proposal", "Start a cash raise or deploy proposal"
    TRADING_CONTROLS = "trading_controls", "Run the batch now; hold and release proposals"
    PAUSES = "pauses", "Pause and resume automated execution"
    # people, keys and the ops admin
    PEOPLE = "people", "Invite staff and clients; revoke invitations; remove members"
    API_TOKENS = "api_tokens", "Issue and revoke API tokens"
    ADMIN_SITE = "admin_site", "Open the ops admin (/admin/), view the firm's data"
    ADMIN_BOOK = "admin_book", "Add, change and delete the book's data in the admin"
    ADMIN_CONTROLS = "admin_controls", "Change controls that have no page (admin)"


def _r(*roles) -> frozenset:
    return frozenset(roles)


MATRIX: dict[Action, frozenset] = {
    Action.MODELS: _r(COM, ADM),
    Action.DRIFT_RULES: _r(COM, ADM),
    Action.COMPLIANCE_RULES: _r(CCO, ADM),
    Action.COMPLIANCE_DECIDE: _r(CCO, ADM),
    Action.COMPLIANCE_REBUILD: _r(ADV, SEN, COM, CCO, ADM),
    Action.REPORTS: _r(CCO, ADM),
    Action.TEMPLATES: _r(ADM),  # advisors too when the firm allows it (notifications settings)
    Action.ROUTING: _r(ADM),
    Action.APPROVE_ADVISOR_STEP: _r(ADV, SEN, ADM),
    Action.APPROVE_SENIOR_STEP: _r(SEN, ADM),
    Action.APPROVE_COMMITTEE_STEP: _r(COM),
    Action.CLIENT_CONSENT: _r(CLI),
    Action.BOOK_IMPORT: _r(ADV, SEN, OPS, ADM),
    Action.CASH_PROPOSAL: _r(ADV, SEN, COM, ADM),
    Action.TRADING_CONTROLS: _r(SEN, ADM),
    Action.PAUSES: _r(SEN, ADM),
    Action.PEOPLE: _r(ADM),
    Action.API_TOKENS: _r(ADM),
    Action.ADMIN_SITE: _r(OPS, ADM),
    Action.ADMIN_BOOK: _r(OPS, ADM),
    Action.ADMIN_CONTROLS: _r(ADM),
}
# Actions an advisor takes only on the accounts they advise (firms.views.account_action_check).
OWN_BOOK_ACTIONS = frozenset(
    {Action.CASH_PROPOSAL, Action.COMPLIANCE_REBUILD, Action.APPROVE_ADVISOR_STEP}
)

assert set(MATRIX) == set(Action), "every action needs a row in the matrix"


def roles_for(action: Action) -> frozenset:
    return MATRIX[action]


def role_may(role: str | None, action: Action) -> bool:
    return role is not None and role in MATRIX[action]


def may(membership, action: Action) -> bool:
    """`membership` (a request's member, its role narrowed by a scoped API token) may act."""
    return membership is not None and role_may(membership.role, action)


def actions_of(role: str) -> frozenset:
    return frozenset(a for a, roles in MATRIX.items() if role in roles)


def refusal(action: Action) -> str:
    return f"Your role may not do this: {Action(action).label.lower()}."


def require(membership, action: Action) -> None:
    """Raise PermissionDenied (a 403, one warning line in the log) unless allowed."""
    if not may(membership, action):
        raise PermissionDenied(refusal(action))


def action_required(action: Action):
    """The page needs a signed-in member whose role the matrix allows `action`."""
    from firms.views import role_required

    return role_required(*MATRIX[action], refusal=refusal(action))


def ActionPermission(action: Action):  # noqa: N802 - used as a DRF permission class
    """A DRF permission class: the caller's role (or token scope) may take `action`."""

    class _Permission(BasePermission):
        message = refusal(action)

        def has_permission(self, request, view):
            membership = getattr(request._request, "membership", None)
            return bool(request.user and request.user.is_authenticated and may(membership, action))

    _Permission.__name__ = f"May{action.value.title().replace('_', '')}"
    return _Permission


def matrix_markdown() -> str:
    """The matrix as a Markdown table (README)."""
    roles = list(Role)
    head = "| action | " + " | ".join(r.label for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [
        f"| {a.label} | " + " | ".join("✓" if r in MATRIX[a] else "" for r in roles) + " |"
        for a in Action
    ]
    return "\n".join([head, rule, *rows])
