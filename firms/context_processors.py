from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import mark_safe

from .roles import ADMIN_SITE_ROLES, COMPLIANCE_ROLES, IMPORT_ROLES, Role

# The menu of base.html for each combination of role flags: its links depend only on those
# flags and on the URL configuration, so it is rendered once per process and key, not as
# 14 `{% url %}` tags on every page.
_MENUS: dict[tuple, dict] = {}


def _menu(flags: dict) -> dict:
    key = (tuple(flags.values()), get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    menu = _MENUS.get(key)
    if menu is None:
        menu = _MENUS[key] = {
            **flags,
            "home": reverse("home"),
            "logout": reverse("account_logout"),
            "links": mark_safe(render_to_string("_nav_links.html", {"nav": flags})),
        }
    return menu


def firm(request):
    membership = getattr(request, "membership", None)
    role = membership.role if membership else None
    return {
        "firm": getattr(request, "firm", None),
        "membership": membership,
        "nav": _menu(
            {
                "staff": role is not None and role != Role.CLIENT,
                "client": role == Role.CLIENT,
                "imports": role in IMPORT_ROLES,
                "compliance": role in COMPLIANCE_ROLES,
                "admin": role in ADMIN_SITE_ROLES,
            }
        ),
    }
