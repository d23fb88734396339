from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("messages", api.OutboundMessageViewSet, basename="notification-message")
urlpatterns = router.urls
