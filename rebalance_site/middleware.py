"""The project's own middleware: resolve the request's firm and run the whole response
inside its scope."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from firms.models import firm_zone
from firms.services.tenancy import membership_scope

from .log_context import user_id_var

# Paths a staff member without a required authenticator may still reach (to set one up).
_MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/")


def _api_token(request):
    """API clients authenticate per request with a token; resolve it here so the API view
    also runs inside the firm's scope (DRF authenticates again, inside the view)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Token "):
        return None
    from firms.services.api_tokens import api_token_lookup

    return api_token_lookup(header[6:])


class FirmScopeMiddleware:
    """Signed-in members get `request.firm` and `request.membership`, and the view *and* the
    template rendering run inside the firm's scope. Anybody else runs with no scope at all,
    where every firm-owned query raises (django-scopes) and returns nothing (RLS): never
    unscoped."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.firm = request.membership = None
        token = _api_token(request)
        user = token.user if token else request.user
        if user.is_authenticated:
            user_id_var.set(user.pk)  # the request's log lines (cleared when it finishes)
        # Read on every request: a revoked or changed membership counts from the next request.
        with membership_scope(user) as membership:
            if membership is None:
                return self.get_response(request)
            if token is not None:  # a token scoped to a role acts with that role
                from firms.services.api_tokens import scoped_membership

                membership = scoped_membership(membership, token)
                if membership is None:
                    return self.get_response(request)
            request.firm, request.membership = membership.firm, membership
            if self._needs_mfa_setup(request):
                return redirect(reverse("mfa_activate_totp"))
            with timezone.override(firm_zone(membership.firm)):  # times shown in the firm's zone
                response = self.get_response(request)
                if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                    response.render()
            return response

    @staticmethod
    def _needs_mfa_setup(request) -> bool:
        """The firm's MFA requirement gates interactive (session) sign-ins. A request with an
        API token has no session user: the token itself is the credential (README, "API")."""
        if not request.user.is_authenticated:
            return False
        if not (request.firm.require_mfa_for_staff and request.membership.is_staff_role):
            return False
        if request.path.startswith(_MFA_EXEMPT_PREFIXES):
            return False
        from allauth.mfa.models import Authenticator

        return not Authenticator.objects.filter(
            user=request.user, type=Authenticator.Type.TOTP
        ).exists()
