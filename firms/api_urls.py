"""The firm's people by API (/api/firm/…)."""

from .api import FirmRouter
from .api_invitations import InvitationViewSet

router = FirmRouter()
router.register("invitations", InvitationViewSet, basename="firm-invitation")
urlpatterns = router.urls
