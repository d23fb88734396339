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
ADVISORY_ROLES = frozenset({Role.ADVISOR, Role.SENIOR_ADVISOR, Role.COMMITTEE_MEMBER, Role.FIRM_ADMIN})
ADMIN_SITE_ROLES = frozenset({Role.OPS, Role.FIRM_ADMIN})
IMPORT_ROLES = frozenset({Role.OPS, Role.FIRM_ADMIN, Role.ADVISOR, Role.SENIOR_ADVISOR})
COMPLIANCE_ROLES = frozenset({Role.COMPLIANCE_OFFICER, Role.FIRM_ADMIN})
