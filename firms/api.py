"""Shared REST plumbing: a router whose id routes are typed `<int:pk>`.

Typed ids give a precise OpenAPI schema without asking each viewset for a queryset outside
any firm scope (which django-scopes rightly refuses), and send a non-numeric id to a 404.
The API's authentication (firms.services.api_tokens) and permission (firms.views.IsFirmStaff)
live apart from this module: DRF imports them while `rest_framework.routers` is still loading,
so their modules must not import the router."""

from abc import ABCMeta, abstractmethod

from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.viewsets import GenericViewSet


class FirmRouter(DefaultRouter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, use_regex_path=False, **kwargs)
        self._default_value_pattern = "int"


class SetupViewSet(GenericViewSet, metaclass=ABCMeta):
    """A firm's set-up through the API (custodians, rules, tiers, templates): any staff member
    reads; `write_roles` write. Writes go through the same Django form as the page
    (`form_class`: one validation) and the same audited service (`save`).

    Another firm's id is a 404 for every method and role (looked up before the role check), so
    the API never tells another firm's ids apart from missing ones. A partial update (PATCH)
    starts from the stored values the form shows, with the request's fields over them."""

    write_roles: frozenset = frozenset()
    form_class = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if "pk" in kwargs:
            self.get_object()
        if request.method not in SAFE_METHODS and not self.may_write(request.membership):
            raise PermissionDenied("Your role may read this set-up but not change it.")

    def may_write(self, membership) -> bool:
        return membership.role in self.write_roles

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    # --- writes through the page's form ------------------------------------------------------

    def new_instance(self):
        return self.get_queryset().model(firm=self.request.firm)

    def form_kwargs(self, instance) -> dict:
        return {"instance": instance}

    @abstractmethod
    def save(self, form):
        """Write the valid form through the app's audited service; return the object."""

    def _form(self, data, instance):
        return self.form_class(data, **self.form_kwargs(instance))

    def _write(self, data, instance, created: bool) -> Response:
        form = self._form(data, instance)
        if not form.is_valid():
            return Response(form.errors.get_json_data(), status=status.HTTP_400_BAD_REQUEST)
        obj = self.save(form)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(obj).data, status=code)


class SetupCreateMixin:
    """POST on the list: a new object through the form."""

    def create(self, request, *args, **kwargs):
        return self._write(request.data, self.new_instance(), created=True)


class SetupUpdateMixin:
    """PUT and PATCH on an object through the form."""

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        data = request.data
        if kwargs.get("partial"):
            shown = self._form(None, instance)
            data = {name: shown[name].value() for name in shown.fields}
            data.update(request.data.items() if hasattr(request.data, "items") else {})
            if hasattr(request.data, "getlist"):  # a form-encoded body: keep its lists
                data.update(
                    {
                        k: request.data.getlist(k)
                        for k in request.data
                        if len(request.data.getlist(k)) > 1
                    }
                )
        return self._write(data, instance, created=False)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)
