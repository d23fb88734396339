"""DRF permission: a firm's staff (token or session), never clients or outsiders."""

from rest_framework.permissions import BasePermission

from .roles import STAFF_ROLES


class IsFirmStaff(BasePermission):
    message = "A staff member of a firm is required."

    def has_permission(self, request, view):
        membership = getattr(request._request, "membership", None) or getattr(
            request, "membership", None
        )
        return bool(
            request.user
            and request.user.is_authenticated
            and membership
            and membership.role in STAFF_ROLES
        )
