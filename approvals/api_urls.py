"""REST routes of the approvals app (included by rebalance_site.api_urls under /api/approvals/)."""

from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("approvals", api.ApprovalViewSet, basename="approval")
router.register("routing-rules", api.RoutingRuleViewSet, basename="routing-rule")
urlpatterns = router.urls
