"""Every REST route of the product, one include per app."""

from django.urls import include, path

from portfolios.urls import api_urlpatterns as book_api
from reconciliation.urls import api_urlpatterns as reconciliation_api
from reporting.urls import api_urlpatterns as reports_api

urlpatterns = [
    path("firm/", include("firms.api_urls")),
    path("book/", include(book_api)),
    path("reconciliation/", include(reconciliation_api)),
    path("drift/", include("drift.api_urls")),
    path("compliance/", include("compliance.api_urls")),
    path("notifications/", include("notifications.api_urls")),
    path("approvals/", include("approvals.api_urls")),
    path("trading/", include("trading.api_urls")),
    path("reports/", include(reports_api)),
    path("webhooks/", include("webhooks.api_urls")),
]
