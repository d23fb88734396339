"""Reconciliation's routes: the page (`urlpatterns`, namespace "reconciliation") and the REST
API (`api_urlpatterns`, under /api/reconciliation/ by rebalance_site.api_urls)."""

from django.urls import path

from firms.api import FirmRouter

from . import api, views

app_name = "reconciliation"
urlpatterns = [
    path("", views.breaks_page, name="breaks"),
    path("breaks/<int:pk>/accept/", views.break_accept_view, name="accept"),
    path("breaks/<int:pk>/resolve/", views.break_resolve_view, name="resolve"),
]

api_router = FirmRouter()
api_router.register("breaks", api.BreakViewSet, basename="reconciliation-break")
api_router.register("runs", api.RunViewSet, basename="reconciliation-run")
api_urlpatterns = [
    *api_router.urls,
    path("upload/", api.ReconcileUploadView.as_view(), name="reconciliation-upload"),
]
