"""Compliance in the firm admin: read-only lists of rules, check results and reviews (rules are
changed on the compliance rules page, where the change is audited)."""

from django.contrib import admin

from drift.models import ComplianceRule
from firms.admin import ReadOnlyFirmModelAdmin, firm_admin_site

from . import models as m


@admin.register(ComplianceRule, site=firm_admin_site)
class ComplianceRuleAdmin(ReadOnlyFirmModelAdmin):
    """Changed on the compliance rules page (officers, audited), never here."""

    list_display = ("kind", "severity", "enabled", "updated_at")
    list_filter = ("kind", "severity", "enabled")


@admin.register(m.CheckResult, site=firm_admin_site)
class CheckResultAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("proposal", "kind", "severity", "passed", "checked_at")
    list_filter = ("kind", "severity", "passed")
    list_select_related = ("proposal",)


@admin.register(m.ComplianceReview, site=firm_admin_site)
class ComplianceReviewAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("proposal", "status", "officer", "checked_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("proposal", "officer__user")
