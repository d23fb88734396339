from .roles import ADMIN_SITE_ROLES, COMPLIANCE_ROLES, IMPORT_ROLES, Role


def firm(request):
    membership = getattr(request, "membership", None)
    role = membership.role if membership else None
    return {
        "firm": getattr(request, "firm", None),
        "membership": membership,
        "nav": {
            "staff": role is not None and role != Role.CLIENT,
            "client": role == Role.CLIENT,
            "imports": role in IMPORT_ROLES,
            "compliance": role in COMPLIANCE_ROLES,
            "admin": role in ADMIN_SITE_ROLES,
        },
    }
