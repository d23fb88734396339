from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("proposals", api.ProposalComplianceViewSet, basename="compliance-proposal")
urlpatterns = router.urls
