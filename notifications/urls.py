"""The notifications pages: the template editor and preview, the outbox."""

from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("templates/", views.template_list, name="templates"),
    path("templates/<str:kind>/", views.template_edit, name="template_edit"),
    path("templates/<str:kind>/preview/", views.template_preview, name="template_preview"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/", views.message_detail, name="message"),
    path("outbox/<int:pk>/html/", views.message_html, name="message_html"),
]
