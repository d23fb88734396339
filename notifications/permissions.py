"""Who may edit the firm's email templates: firm admins always; advisors if the firm allows."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from firms.choices import Role
from firms.views import staff_required

from .selectors import advisors_may_edit

ADVISOR_ROLES = frozenset({Role.ADVISOR, Role.SENIOR_ADVISOR})


def may_edit_templates(membership) -> bool:
    if membership.role == Role.FIRM_ADMIN:
        return True
    return membership.role in ADVISOR_ROLES and advisors_may_edit()


def template_editor_required(view):
    @staff_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_edit_templates(request.membership):
            raise PermissionDenied(
                "Only firm admins (and advisors, if the firm allows it) edit email templates."
            )
        return view(request, *args, **kwargs)

    return wrapped
