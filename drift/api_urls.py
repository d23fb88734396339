"""REST routes of drift (snapshots, proposals), included by rebalance_site/api_urls.py like
every app's."""

from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("snapshots", api.SnapshotViewSet, basename="drift-snapshot")
router.register("proposals", api.ProposalViewSet, basename="drift-proposal")
urlpatterns = router.urls
