"""Shared REST plumbing: a router whose id routes are typed `<int:pk>`.

Typed ids give a precise OpenAPI schema without asking each viewset for a queryset outside
any firm scope (which django-scopes rightly refuses), and send a non-numeric id to a 404.
The API's authentication (firms.services.api_tokens) and permission (firms.views.IsFirmStaff)
live apart from this module: DRF imports them while `rest_framework.routers` is still loading,
so their modules must not import the router."""

from rest_framework.routers import DefaultRouter


class FirmRouter(DefaultRouter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, use_regex_path=False, **kwargs)
        self._default_value_pattern = "int"
