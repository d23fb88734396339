"""The client portal's pages, and the emailed link that opens a session."""

from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("l/<str:token>/", views.link, name="link"),
    path("proposals/<int:pk>/", views.proposal, name="proposal"),
    path("proposals/<int:pk>/code/", views.signing_code, name="signing_code"),
    path("proposals/<int:pk>/approve/", views.approve, name="approve"),
    path("proposals/<int:pk>/decline/", views.decline, name="decline"),
    path("proposals/<int:pk>/signed.pdf", views.signed_pdf, name="signed_pdf"),
]
