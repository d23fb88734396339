"""Every REST route of the product, one include per app."""

from django.urls import include, path

urlpatterns = [
    path("book/", include("portfolios.api_book_urls")),
    path("book/", include("portfolios.api_urls")),
    path("drift/", include("drift.api_urls")),
    path("compliance/", include("compliance.api_urls")),
    path("notifications/", include("notifications.api_urls")),
    path("approvals/", include("approvals.api_urls")),
    path("trading/", include("trading.api_urls")),
    path("reports/", include("reporting.api_urls")),
]
