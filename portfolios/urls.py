from django.urls import path

from . import views, views_import

app_name = "portfolios"
urlpatterns = [
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("import/", views_import.import_page, name="import"),
]
