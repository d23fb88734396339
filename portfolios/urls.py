"""Portfolios' routes: the pages (`urlpatterns`, namespace "portfolios") and the REST API
(`api_urlpatterns`, included under /api/book/ by rebalance_site.api_urls)."""

from django.urls import path

from firms.api import FirmRouter

from . import api, views

app_name = "portfolios"
urlpatterns = [
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("custodians/", views.custodians, name="custodians"),
    path("custodians/<int:pk>/", views.custodian_edit, name="custodian_edit"),
    path("import/", views.import_page, name="import"),
    path("import/samples/<slug:kind>.csv", views.import_sample, name="import_sample"),
]

api_router = FirmRouter()
api_router.register("securities", api.SecurityViewSet, basename="security")
api_router.register("clients", api.ClientViewSet, basename="client")
api_router.register("accounts", api.AccountViewSet, basename="account")
api_router.register("models", api.ModelPortfolioViewSet, basename="model")
api_router.register("prices", api.PriceViewSet, basename="price")
api_router.register("custodians", api.CustodianViewSet, basename="custodian")
api_urlpatterns = [
    *api_router.urls,
    path("import/", api.BookImportView.as_view(), name="book-import"),
]
