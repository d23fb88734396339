from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("securities", api.SecurityViewSet, basename="security")
router.register("clients", api.ClientViewSet, basename="client")
router.register("accounts", api.AccountViewSet, basename="account")
router.register("models", api.ModelPortfolioViewSet, basename="model")
router.register("prices", api.PriceViewSet, basename="price")
urlpatterns = router.urls
