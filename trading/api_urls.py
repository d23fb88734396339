from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("batches", api.BatchViewSet, basename="trading-batch")
router.register("orders", api.OrderViewSet, basename="trading-order")
urlpatterns = router.urls
