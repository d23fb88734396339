"""Roles a firm member can hold, and which roles may do what."""

from django.db import models


class Role(models.TextChoices):
    ADVISOR = "advisor", "Advisor"
    SENIOR_ADVISOR = "senior_advisor", "Senior advisor"
    COMMITTEE_MEMBER = "committee_member", "Committee member"
    COMPLIANCE_OFFICER = "compliance_officer", "Compliance officer"
    OPS = "ops", "Operations"
    FIRM_ADMIN = "firm_admin", "Firm administrator"
    CLIENT = "client", "Client"


STAFF_ROLES = frozenset(r for r in Role if r != Role.CLIENT)
ADVISORY_ROLES = frozenset(
    {Role.ADVISOR, Role.SENIOR_ADVISOR, Role.COMMITTEE_MEMBER, Role.FIRM_ADMIN}
)
ADMIN_SITE_ROLES = frozenset({Role.OPS, Role.FIRM_ADMIN})
ADMIN_CONTROL_ROLES = frozenset(
    {Role.FIRM_ADMIN}
)  # controls without a page of their own, in the admin
IMPORT_ROLES = frozenset({Role.OPS, Role.FIRM_ADMIN, Role.ADVISOR, Role.SENIOR_ADVISOR})
COMPLIANCE_ROLES = frozenset({Role.COMPLIANCE_OFFICER, Role.FIRM_ADMIN})
# Firm-wide investment policy (the firm's and its segments' drift rules): the firm
# administrator and the investment committee; an advisor sets an account's own (ADVISORY_ROLES).
POLICY_ROLES = frozenset({Role.COMMITTEE_MEMBER, Role.FIRM_ADMIN})
# The book's reference data (custodians): operations and the firm administrator.
BOOK_DATA_ROLES = frozenset({Role.OPS, Role.FIRM_ADMIN})

# Role changes (firms.services.members.membership_role_change): only a firm administrator
# edits roles, never their own, and never to a role ranked above their own.
ROLE_EDITORS = frozenset({Role.FIRM_ADMIN})
ROLE_RANK = {
    Role.CLIENT: 0,
    Role.ADVISOR: 1,
    Role.COMMITTEE_MEMBER: 2,
    Role.COMPLIANCE_OFFICER: 2,
    Role.OPS: 2,
    Role.SENIOR_ADVISOR: 2,
    Role.FIRM_ADMIN: 3,
}
# Advisors act on their own accounts only; every other role a view admits acts firm-wide.
OWN_BOOK_ROLES = frozenset({Role.ADVISOR})
# Who may name or change an account's adviser (import, admin).
ADVISER_ASSIGN_ROLES = frozenset({Role.OPS, Role.FIRM_ADMIN})
# Reconciliation (reconciliation app): operations and a firm administrator upload the
# custodians' files and decide breaks (they change the book); a compliance officer sees them.
RECONCILIATION_ROLES = frozenset({Role.OPS, Role.FIRM_ADMIN})
RECONCILIATION_VIEW_ROLES = RECONCILIATION_ROLES | {Role.COMPLIANCE_OFFICER}
