"""Celery tasks of webhooks: thin wrappers around webhooks.services.delivery."""

from celery import shared_task

from firms.tasks import FirmTask, enqueue_after_commit


@shared_task(base=FirmTask, name="webhooks.tasks.webhook_delivery_send")
def webhook_delivery_send_task(*, firm_id: int, delivery_id: int) -> str:
    from .services.delivery import webhook_delivery_send

    return webhook_delivery_send(delivery_id=delivery_id)


@shared_task(base=FirmTask, name="webhooks.tasks.webhooks_dispatch_firm")
def webhooks_dispatch_firm(*, firm_id: int) -> int:
    from .services.delivery import webhook_deliveries_dispatch

    return len(webhook_deliveries_dispatch())


@shared_task(name="webhooks.tasks.webhooks_sweep_all")
def webhooks_sweep_all() -> int:
    """Beat entry (every minute): retries that are due, and anything a lost publish left."""
    from firms.selectors import firm_ids_all

    firm_ids = firm_ids_all()
    for firm_id in firm_ids:
        enqueue_after_commit(webhooks_dispatch_firm, firm_id=firm_id)
    return len(firm_ids)
