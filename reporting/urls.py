from django.urls import path

from . import views

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
