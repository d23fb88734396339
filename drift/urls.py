"""The drift pages (the REST routes are in drift.api_urls, one include per app in
rebalance_site/api_urls.py)."""

from django.urls import path

from . import views, views_models

app_name = "drift"
urlpatterns = [
    path("", views.drifted_accounts, name="drifted"),
    path("accounts/<int:pk>/", views.account_drift, name="account"),
    path("accounts/<int:pk>/cash/", views.account_cash_proposal, name="account_cash"),
    path("accounts/<int:pk>/settings/", views.account_settings, name="account_settings"),
    path("harvests/", views.harvest_list, name="harvests"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("models/<int:pk>/", views.model_change, name="model_change"),
    path("models/", views_models.model_list, name="models"),
    path("models/new/", views_models.model_new, name="model_new"),
    path("models/<int:pk>/edit/", views_models.model_edit, name="model_edit"),
    path("models/<int:pk>/retire/", views_models.model_retire_view, name="model_retire"),
    path("imports/<int:pk>/rescan/", views.rescan_import, name="rescan"),
]
