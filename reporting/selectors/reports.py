"""Reads of stored reports."""

from drift.models import ToleranceWidening

from ..models import MonthlyReport


def report_list():
    return MonthlyReport.objects.select_related("created_by__user").order_by("-month", "-version")


def widening_list():
    return ToleranceWidening.objects.select_related("created_by__user").order_by("-start")
