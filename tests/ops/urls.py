"""The project's URLs plus one probe view: it logs a line and publishes a task, as a real view
that enqueues work does (tests/ops/test_logs.py, tests/worker/test_request_id_worker.py)."""

import logging

from django.http import HttpResponse
from django.urls import include, path

from firms.tasks import enqueue_now

log = logging.getLogger("tests.ops.probe")
PUBLISH = {}  # set by a test: {"task": <task>, "queue": <queue name>}


def probe(request):
    log.warning("probe view ran")
    if PUBLISH:
        enqueue_now(PUBLISH["task"], {"queue": PUBLISH["queue"]})
    return HttpResponse("ok")


urlpatterns = [path("ops-test/probe", probe), path("", include("rebalance_site.urls"))]
