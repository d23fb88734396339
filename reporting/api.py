"""REST endpoints for reports: list, detail, and the audited file downloads. Another firm's
id is a 404 for everybody; a role other than compliance officer or firm admin gets 403."""

from django.http import HttpResponse
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied

from firms.choices import COMPLIANCE_ROLES

from .models import MonthlyReport
from .services.downloads import report_file_read
from .views import CONTENT_TYPES


class MonthlyReportOut(serializers.ModelSerializer):
    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "month",
            "version",
            "trigger",
            "created_at",
            "pdf_sha256",
            "csv_sha256",
            "totals",
        ]


class MonthlyReportViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MonthlyReportOut

    def get_queryset(self):
        return MonthlyReport.objects.order_by("-month", "-version")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if "pk" in kwargs:  # another firm's id is a 404 whatever the role
            self.get_object()
        if request.membership.role not in COMPLIANCE_ROLES:
            raise PermissionDenied(
                "Only compliance officers and firm administrators may read reports."
            )

    def _file(self, kind: str) -> HttpResponse:
        report = self.get_object()
        response = HttpResponse(
            report_file_read(report=report, kind=kind, actor=self.request.user),
            content_type=CONTENT_TYPES[kind],
        )
        response["Content-Disposition"] = (
            "attachment; "
            f'filename="compliance-report-{report.month:%Y-%m}-v{report.version}.{kind}"'
        )
        return response

    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        return self._file("pdf")

    @action(detail=True, methods=["get"])
    def csv(self, request, pk=None):
        return self._file("csv")
