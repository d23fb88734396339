"""Reports in the firm admin site: listed, never edited."""

from django.contrib import admin

from firms.admin import ReadOnlyFirmModelAdmin, firm_admin_site
from firms.choices import ADMIN_SITE_ROLES, COMPLIANCE_ROLES

from . import models as m


@admin.register(m.MonthlyReport, site=firm_admin_site)
class MonthlyReportAdmin(ReadOnlyFirmModelAdmin):
    """Reports are records: listed, never edited (the database refuses it as well); listed to
    those who may list reports (compliance officers, firm administrators), as on the pages."""

    view_roles = ADMIN_SITE_ROLES & COMPLIANCE_ROLES

    list_display = ("month", "version", "trigger", "created_at", "created_by", "pdf_sha256")
    list_filter = ("trigger", "month")
    list_select_related = ("created_by__user",)
