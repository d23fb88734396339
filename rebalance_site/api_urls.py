"""Every REST route of the product, one include per app."""
from django.urls import include, path

urlpatterns = [
    path("book/", include("portfolios.api_book_urls")),
    path("book/", include("portfolios.api_urls")),
    path("drift/", include("drift.api_urls")),
]
