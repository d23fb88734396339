"""The compliance pages: the officer's queue and review, identical pairs, rules."""

from django.urls import path

from . import views

app_name = "compliance"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.queue_bulk, name="bulk"),
    path("proposals/<int:pk>/", views.review, name="review"),
    path("proposals/<int:pk>/override/", views.override, name="override"),
    path("proposals/<int:pk>/reject/", views.reject, name="reject"),
    path("proposals/<int:pk>/regenerate/", views.regenerate, name="regenerate"),
    path("pairs/", views.pairs, name="pairs"),
    path("pairs/<int:pk>/delete/", views.pair_delete, name="pair_delete"),
    path("substitutes/", views.substitutes, name="substitutes"),
    path("substitutes/<int:pk>/delete/", views.substitute_delete, name="substitute_delete"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
]
