"""One id per web request, in every log line of it and of the tasks it enqueues
(rebalance_site.task_context), and returned to the caller in the X-Request-ID header.

An incoming X-Request-ID (a proxy's or a load balancer's) is kept when it is well formed, so
one id follows the request from the edge; otherwise a new one is drawn.

The context is cleared when the request finishes (request_finished), not when this middleware
returns: Django logs a 4xx/5xx response ("django.request") after the whole middleware chain,
and that line belongs to the request too."""

from django.core.signals import request_finished

from .log_context import request_id_new, request_id_valid, request_id_var, user_id_var

HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER)
        request.request_id = incoming if request_id_valid(incoming) else request_id_new()
        request_id_var.set(request.request_id)
        user_id_var.set(None)  # set by FirmScopeMiddleware once the user is known
        response = self.get_response(request)
        response[HEADER] = request.request_id
        return response


def _clear(**kwargs):
    request_id_var.set(None)
    user_id_var.set(None)


request_finished.connect(_clear, dispatch_uid="rebalance_site.request_id.clear")
