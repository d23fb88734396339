from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("snapshots", api.SnapshotViewSet, basename="drift-snapshot")
router.register("proposals", api.ProposalViewSet, basename="drift-proposal")
urlpatterns = router.urls
