"""/healthz, /readyz and /metrics. They are answered by ops.middleware.OpsEndpointsMiddleware
ahead of the session, login, firm scope and host check (and spared the HTTPS redirect); the URL
patterns (ops.urls) name them and serve them if that middleware is absent."""

import hmac
import os

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from .checks import readiness
from .metrics import ProductCollector


@never_cache
@require_GET
def healthz(request):
    """The process answers. No database, no Redis: a restart would not fix those."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Ready for traffic and jobs: 200 if every check passes, else 503 naming each failure."""
    results = readiness()
    ready = all(ok for ok, _ in results.values())
    body = {
        "status": "ok" if ready else "fail",
        "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in results.items()},
    }
    return JsonResponse(body, status=200 if ready else 503)


_product = CollectorRegistry(auto_describe=False)  # collect() runs on scrape, never at import
_product.register(ProductCollector())


def _process_series() -> bytes:
    """The request metrics of django-prometheus's middleware and the process's own; under a
    multi-process server (PROMETHEUS_MULTIPROC_DIR set) summed over its worker processes."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def _refusal(status: int, reason: str) -> HttpResponse:
    response = HttpResponse(reason + "\n", status=status, content_type="text/plain")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


@never_cache
@require_GET
def metrics(request):
    """For the operator's scraper only: `Authorization: Bearer <METRICS_TOKEN>`. With
    METRICS_TOKEN unset every request is refused. A firm's session or API token is no key."""
    token = settings.METRICS_TOKEN
    if not token:
        return _refusal(403, "metrics are off: METRICS_TOKEN is not set")
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return _refusal(401, "metrics need Authorization: Bearer <METRICS_TOKEN>")
    if not hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return _refusal(403, "wrong metrics token")
    body = _process_series() + generate_latest(_product)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
