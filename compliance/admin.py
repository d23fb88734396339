from django.contrib import admin

from firms.admin_site import FirmModelAdmin, ReadOnlyFirmModelAdmin, firm_admin_site

from . import models as m
from .params import params_validate


@admin.register(m.ComplianceRule, site=firm_admin_site)
class ComplianceRuleAdmin(FirmModelAdmin):
    list_display = ("kind", "severity", "enabled", "updated_at")
    list_filter = ("kind", "severity", "enabled")

    def save_model(self, request, obj, form, change):
        obj.params = params_validate(obj.kind, obj.params)
        super().save_model(request, obj, form, change)


@admin.register(m.SubstantiallyIdenticalPair, site=firm_admin_site)
class SubstantiallyIdenticalPairAdmin(FirmModelAdmin):
    list_display = ("security_a", "security_b", "note")
    search_fields = ("security_a__symbol", "security_b__symbol")
    list_select_related = ("security_a", "security_b")
    raw_id_fields = ("security_a", "security_b")

    def save_model(self, request, obj, form, change):
        if obj.security_a_id > obj.security_b_id:  # stored in id order
            obj.security_a_id, obj.security_b_id = obj.security_b_id, obj.security_a_id
        super().save_model(request, obj, form, change)


@admin.register(m.Substitute, site=firm_admin_site)
class SubstituteAdmin(FirmModelAdmin):
    list_display = ("security", "substitute", "rank")
    list_select_related = ("security", "substitute")
    raw_id_fields = ("security", "substitute")


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
