"""Staff pages of the trading app: batches, the dry run, the kill switch and proposal holds."""

from django.urls import path

from . import views

app_name = "trading"
urlpatterns = [
    path("", views.trading_home, name="home"),
    path("orders/", views.order_list, name="orders"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("dry-run/", views.dry_run, name="dry_run"),
    path("run-now/", views.run_now, name="run_now"),
    path("pauses/", views.pause, name="pause"),
    path("pauses/<int:pk>/resume/", views.resume, name="resume"),
    path("proposals/<int:pk>/hold/", views.hold, name="hold"),
    path("proposals/<int:pk>/release/", views.release, name="release"),
]
