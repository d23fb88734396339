"""The compliance REST routes (mounted under /api/compliance/ by rebalance_site.api_urls)."""

from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("proposals", api.ProposalComplianceViewSet, basename="compliance-proposal")
router.register("rules", api.ComplianceRuleViewSet, basename="compliance-rule")
router.register("substitutes", api.SubstituteViewSet, basename="compliance-substitute")
router.register("identical-pairs", api.IdenticalPairViewSet, basename="compliance-pair")
urlpatterns = router.urls
