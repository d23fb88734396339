"""The product's Celery app as the after-close bench's workers run it: every task on the
bench's own queue (BENCH_QUEUE), so nothing else in the broker reaches the bench's workers, and
the outbox's email sends parked on a queue no worker reads (the bench times the run up to each
message rendered in the outbox, not sent). Everything else is the product's configuration."""

import os

from rebalance_site.celery import app

QUEUE = os.environ["BENCH_QUEUE"]
PARKED = f"{QUEUE}-outbox"
app.conf.task_default_queue = QUEUE
app.conf.task_routes = {"notifications.tasks.outbound_message_send": {"queue": PARKED}}

__all__ = ["app"]
