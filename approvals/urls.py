"""Staff pages of the approvals app: the queue, one approval, routing rules and settings."""

from django.urls import path

from . import views

app_name = "approvals"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("all/", views.approval_list, name="list"),
    path("all/bulk/", views.approval_bulk, name="bulk"),
    path("<int:pk>/", views.approval_detail, name="approval"),
    path("<int:pk>/signed.pdf", views.signed_pdf, name="signed_pdf"),
    path("steps/<int:pk>/decide/", views.step_decide, name="step_decide"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("settings/", views.settings_edit, name="settings"),
]
