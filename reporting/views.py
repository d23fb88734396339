"""Reporting's pages: reports (list, regeneration, audited downloads), the metrics dashboard,
widenings, the threshold review and evidence packs; thin views over selectors and services,
each behind the role decorator defined here."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.formatting import day
from firms.choices import COMPLIANCE_ROLES, Role
from firms.permissions import Action, action_required
from firms.views import role_required
from portfolios.choices import Segment

from .calc.charts import metrics_charts, threshold_charts
from .forms import RegenerateForm, ThresholdReviewForm, WideningForm, review_initial
from .models import MonthlyReport
from .selectors.metrics import dashboard, period_from
from .selectors.reports import report_list, widening_list
from .services.downloads import report_file_read
from .services.monthly import ReportRefused, monthly_report_generate
from .services.threshold_review import threshold_review_run
from .services.widening import widening_create

METRICS_ROLES = COMPLIANCE_ROLES | {Role.SENIOR_ADVISOR, Role.OPS}

officer_required = role_required(*COMPLIANCE_ROLES)  # reports, evidence packs, widenings
metrics_required = role_required(*METRICS_ROLES)  # dashboard, threshold review
review_required = role_required(*COMPLIANCE_ROLES, Role.SENIOR_ADVISOR)  # threshold review

CONTENT_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


@officer_required
def reports(request, form=None, status=200):
    return render(
        request,
        "reporting/reports.html",
        {
            "reports": report_list(),
            "form": form or RegenerateForm(),
            "widenings": widening_list()[:5],
        },
        status=status,
    )


@action_required(Action.REPORTS)
@require_POST
def regenerate(request):
    form = RegenerateForm(request.POST)
    if not form.is_valid():
        return reports(request, form=form, status=400)
    try:
        report = monthly_report_generate(
            firm_id=request.firm.pk, month=form.cleaned_data["month"], actor=request.user
        )
    except ReportRefused as exc:
        form.add_error("month", str(exc))
        return reports(request, form=form, status=409)
    messages.success(
        request, f"Report for {report.month:%B %Y} written as version {report.version}."
    )
    return redirect("reporting:reports")


def _download(request, pk: int, kind: str):
    report = get_object_or_404(MonthlyReport, pk=pk)
    data = report_file_read(report=report, kind=kind, actor=request.user)
    response = HttpResponse(data, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = (
        f'attachment; filename="compliance-report-{report.month:%Y-%m}-v{report.version}.{kind}"'
    )
    return response


@officer_required
def download_pdf(request, pk: int):
    return _download(request, pk, "pdf")


@officer_required
def download_csv(request, pk: int):
    return _download(request, pk, "csv")


@metrics_required
def metrics(request):
    period = period_from(request.GET)
    data = dashboard(firm_id=request.firm.pk, period=period, now=timezone.now())
    return render(
        request,
        "reporting/metrics.html",
        {"d": data, "period": period, "charts": metrics_charts(data)},
    )


@action_required(Action.REPORTS)
def widenings(request):
    form = WideningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        widening = widening_create(firm_id=request.firm.pk, actor=request.user, **form.cleaned_data)
        messages.success(
            request,
            f"Tolerances widened ×{widening.factor} from {day(widening.start)} to "
            f"{day(widening.end)}.",
        )
        return redirect("reporting:widenings")
    return render(
        request,
        "reporting/widenings.html",
        {"form": form, "widenings": widening_list()},
        status=400 if request.method == "POST" else 200,
    )


@review_required
def threshold_review(request):
    """GET with no parameters shows the form; with parameters, runs the replay."""
    form = ThresholdReviewForm(request.GET or None, initial=review_initial(timezone.localdate()))
    review = None
    if form.is_bound and form.is_valid():
        review = threshold_review_run(firm_id=request.firm.pk, **form.cleaned_data)
    return render(
        request,
        "reporting/threshold_review.html",
        {
            "form": form,
            "review": review,
            "charts": threshold_charts(review) if review and review.rows else {},
            "segment_label": dict(Segment.choices).get(form.cleaned_data.get("segment"))
            if review
            else "",
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@officer_required
def evidence_pack(request, pk: int):
    from drift.models import Proposal

    from .services.evidence import evidence_pack_build

    proposal = get_object_or_404(Proposal.objects.select_related("account"), pk=pk)
    response = HttpResponse(
        evidence_pack_build(proposal=proposal, actor=request.user), content_type="application/zip"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="evidence-{proposal.account.number}-proposal-{proposal.pk}.zip"'
    )
    return response
