"""The product's Prometheus series, computed when scraped (a custom prometheus_client
Collector): one database statement and one Redis round trip per scrape, whatever the number of
firms (ops.selectors). Firms are labelled by id only, never by name.

Gauges, all of them: each is a count or an age read from the database at scrape time, not a
counter this process increments, so every web process answers the same figures."""

import logging
import time

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .selectors import celery_queue_depths, platform_metrics

log = logging.getLogger(__name__)

# series of ops.selectors.platform_metrics -> (metric name, help, label name or None)
_SERIES = {
    "scan_last_finished": (
        "rebalance_drift_scan_last_age_seconds",
        "Seconds since the firm's last completed drift scan finished.",
        None,
    ),
    "scan_last_duration": (
        "rebalance_drift_scan_last_duration_seconds",
        "How long the firm's last completed drift scan ran (started to finished).",
        None,
    ),
    "proposals": (
        "rebalance_proposals",
        "Proposals still in the pipeline (open statuses), by status.",
        "status",
    ),
    "approvals_pending": (
        "rebalance_approvals_pending",
        "Pending approvals by time to deadline: overdue, under_24h, under_72h, later.",
        "deadline",
    ),
    "trade_batches": ("rebalance_trade_batches", "Trade batches by outcome (status).", "status"),
    "outbox": (
        "rebalance_outbox_messages",
        "Outbox messages waiting (pending), being sent (sending) or given up (failed).",
        "status",
    ),
    "outbox_oldest_pending": (
        "rebalance_outbox_oldest_pending_age_seconds",
        "Age of the firm's oldest pending outbox message.",
        None,
    ),
}
_AGES = {"scan_last_finished", "outbox_oldest_pending"}  # stored as a time; exposed as an age


class ProductCollector(Collector):
    def collect(self):
        errors = GaugeMetricFamily(
            "rebalance_metrics_source_up",
            "1 if the source of the product's series answered this scrape, else 0.",
            labels=["source"],
        )
        yield from self._database_series(errors)
        yield from self._queue_series(errors)
        yield errors

    def _database_series(self, errors):
        try:
            rows = platform_metrics(timezone.now())
        except Exception as exc:  # a scrape reports the outage instead of failing whole
            log.warning("metrics: database read failed: %s: %s", type(exc).__name__, exc)
            errors.add_metric(["database"], 0)
            return
        errors.add_metric(["database"], 1)
        now = time.time()
        families = {
            series: GaugeMetricFamily(
                name, help_text, labels=["firm_id"] + ([label] if label else [])
            )
            for series, (name, help_text, label) in _SERIES.items()
        }
        for row in rows:
            value = now - row.value if row.series in _AGES else row.value
            labels = [str(row.firm_id)] + ([row.label] if _SERIES[row.series][2] else [])
            families[row.series].add_metric(labels, value)
        yield from families.values()

    def _queue_series(self, errors):
        try:
            depths, unacked = celery_queue_depths()
        except Exception as exc:
            log.warning("metrics: Redis read failed: %s: %s", type(exc).__name__, exc)
            errors.add_metric(["redis"], 0)
            return
        errors.add_metric(["redis"], 1)
        queue = GaugeMetricFamily(
            "rebalance_celery_queue_length",
            "Tasks waiting in the Celery queue (Redis LLEN, all priorities).",
            labels=["queue"],
        )
        for name, depth in depths.items():
            queue.add_metric([name], depth)
        yield queue
        yield GaugeMetricFamily(
            "rebalance_celery_unacked",
            "Tasks delivered to a worker and not yet acknowledged (running, or lost with it).",
            value=unacked,
        )
