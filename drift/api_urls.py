"""REST routes of drift (snapshots, proposals), included by rebalance_site/api_urls.py like
every app's."""

from django.urls import path

from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("snapshots", api.SnapshotViewSet, basename="drift-snapshot")
router.register("proposals", api.ProposalViewSet, basename="drift-proposal")
router.register("rules", api.DriftRuleViewSet, basename="drift-rule")
router.register(
    "account-settings", api.AccountDriftSettingsViewSet, basename="drift-account-settings"
)
urlpatterns = [
    *router.urls,
    path("imports/<int:pk>/rescan/", api.RescanView.as_view(), name="drift-import-rescan"),
]
