from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("approvals", api.ApprovalViewSet, basename="approval")
urlpatterns = router.urls
