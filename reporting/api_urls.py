from firms.api import FirmRouter

from . import api

router = FirmRouter()
router.register("monthly", api.MonthlyReportViewSet, basename="reporting-monthly")
urlpatterns = router.urls
