"""The compliance REST routes (mounted under /api/compliance/ by rebalance_site.api_urls)."""

from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("proposals", api.ProposalComplianceViewSet, basename="compliance-proposal")
urlpatterns = router.urls
