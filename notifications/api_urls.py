"""The notifications REST routes (mounted under /api/notifications/ by
rebalance_site.api_urls)."""

from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("messages", api.OutboundMessageViewSet, basename="notification-message")
router.register("templates", api.TemplateViewSet, basename="notification-template")
urlpatterns = router.urls
