"""The site's home page, which sends each member to their starting page."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
]
