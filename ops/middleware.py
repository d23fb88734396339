"""Answers /healthz, /readyz and /metrics right after the security and CSP middleware (their
response headers apply) and before everything else.

Probes and scrapers come from inside the deployment: with the pod's or container's address as
Host (not in ALLOWED_HOSTS), over plain HTTP (settings.SECURE_REDIRECT_EXEMPT spares them the
HTTPS redirect), without a session. Answering here keeps them out of the host check, the
session and login lookups and the firm scope, and keeps them cheap: /healthz touches nothing
at all. /metrics still requires its bearer token (ops.views.metrics)."""

from . import views

ENDPOINTS = {"/healthz": views.healthz, "/readyz": views.readyz, "/metrics": views.metrics}


class OpsEndpointsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = ENDPOINTS.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)
