"""The dashboard at `/` and the proposals list."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
]
dashboard_patterns = (
    [
        path("", views.proposal_list, name="proposals"),
        path("bulk/", views.proposal_bulk, name="proposal_bulk"),
    ],
    "dashboard",
)
