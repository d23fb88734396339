from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from .roles import Role


@login_required
def home(request):
    """Send each member to their starting page."""
    membership = request.membership
    if membership is None:
        raise PermissionDenied(
            "Your sign-in is not attached to a firm. Ask your firm's administrator."
        )
    if membership.role == Role.CLIENT:
        return redirect("portal:home")
    return redirect("drift:drifted")
