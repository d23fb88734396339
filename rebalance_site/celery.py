"""The Celery app and the one beat schedule of the product."""

import logging
import os

from celery import Celery
from celery.schedules import crontab

# The request id rides along with every task, and workers log through settings.LOGGING.
from . import task_context  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rebalance_site.settings")

app = Celery("rebalance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Python warnings (the worker's start-up ones too) become log lines of the configured format.
logging.captureWarnings(True)

# Every periodic job of the product lives here, and nowhere else. Jobs that must happen at a
# market time are checks run every minute ("is it due and not yet done?"), so a late, doubled
# or restarted beat still does each job once (the database enforces the once).
app.conf.beat_schedule = {
    "platform-heartbeat": {"task": "firms.tasks.heartbeat", "schedule": 60.0},
    "drift-scan-due-check": {"task": "drift.tasks.drift_scan_due_check", "schedule": 120.0},
    "trade-batch-due-check": {"task": "trading.tasks.trade_batch_due_check", "schedule": 60.0},
    "compliance-unchecked-sweep": {"task": "compliance.tasks.unchecked_sweep", "schedule": 300.0},
    "notifications-outbox-sweep": {
        "task": "notifications.tasks.outbox_sweep_all",
        "schedule": 60.0,
    },
    "approvals-sweep": {"task": "approvals.tasks.approvals_sweep_all", "schedule": 60.0},
    # Webhook deliveries due (retries after back-off, and any a lost publish left behind).
    "webhooks-sweep": {"task": "webhooks.tasks.webhooks_sweep_all", "schedule": 60.0},
    "monthly-report-due-check": {
        "task": "reporting.tasks.monthly_report_due_check",
        "schedule": 600.0,
    },
    # Each firm's signed audit head, once a day (a rerun publishes nothing new).
    "audit-heads-publish": {
        "task": "firms.tasks.audit_heads_publish_all",
        "schedule": crontab(minute=55, hour=23),
    },
}
