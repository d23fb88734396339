"""Reporting's routes: the pages (`urlpatterns`, namespace "reporting") and the REST API
(`api_urlpatterns`, included under /api/reports/ by rebalance_site.api_urls)."""

from django.urls import path

from firms.api import FirmRouter

from . import api, views

app_name = "reporting"
urlpatterns = [
    path("", views.reports, name="reports"),
    path("regenerate/", views.regenerate, name="regenerate"),
    path("<int:pk>/pdf/", views.download_pdf, name="download_pdf"),
    path("<int:pk>/csv/", views.download_csv, name="download_csv"),
]
urlpatterns += [
    path("metrics/", views.metrics, name="metrics"),
    path("widenings/", views.widenings, name="widenings"),
    path("threshold-review/", views.threshold_review, name="threshold_review"),
    path("evidence/<int:pk>/", views.evidence_pack, name="evidence_pack"),
]

api_router = FirmRouter()
api_router.register("monthly", api.MonthlyReportViewSet, basename="reporting-monthly")
api_urlpatterns = api_router.urls
