"""The webhooks REST routes (mounted under /api/webhooks/ by rebalance_site.api_urls)."""

from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("endpoints", api.EndpointViewSet, basename="webhook-endpoint")
router.register("deliveries", api.DeliveryViewSet, basename="webhook-delivery")
urlpatterns = router.urls
