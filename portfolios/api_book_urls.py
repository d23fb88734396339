from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("securities", api.SecurityViewSet, basename="security")
router.register("clients", api.ClientViewSet, basename="client")
router.register("accounts", api.AccountViewSet, basename="account")
router.register("models", api.ModelPortfolioViewSet, basename="model")
router.register("prices", api.PriceViewSet, basename="price")
urlpatterns = router.urls
