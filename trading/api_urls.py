"""REST routes of the trading app (included by rebalance_site.api_urls under /api/trading/)."""

from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("batches", api.BatchViewSet, basename="trading-batch")
router.register("orders", api.OrderViewSet, basename="trading-order")
urlpatterns = router.urls
