"""Reads of stored reports."""

from ..models import MonthlyReport, ToleranceWidening


def report_list():
    return MonthlyReport.objects.select_related("created_by__user").order_by("-month", "-version")


def widening_list():
    return ToleranceWidening.objects.select_related("created_by__user").order_by("-start")
