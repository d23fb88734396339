"""Celery tasks of notifications: thin wrappers around the outbox services."""

from celery import shared_task

from firms.tasks import FirmTask, enqueue_after_commit


@shared_task(base=FirmTask, name="notifications.tasks.outbound_message_send")
def outbound_message_send_task(*, firm_id: int, message_id: int) -> str:
    from .services.outbox import outbound_message_send

    return outbound_message_send(message_id=message_id)


@shared_task(base=FirmTask, name="notifications.tasks.outbox_sweep_firm")
def outbox_sweep_firm(*, firm_id: int) -> int:
    from .services.outbox import outbox_sweep

    return len(outbox_sweep())


@shared_task(name="notifications.tasks.outbox_sweep_all")
def outbox_sweep_all() -> int:
    """Beat entry: one sweep per firm. Listing firms is a platform act (owner role)."""
    from firms.selectors import firm_ids_all

    firm_ids = firm_ids_all()
    for firm_id in firm_ids:
        enqueue_after_commit(outbox_sweep_firm, firm_id=firm_id)
    return len(firm_ids)


@shared_task(base=FirmTask, name="notifications.tasks.check_errors_notify")
def check_errors_notify_task(*, firm_id: int, errors: dict[str, dict[str, str]]) -> None:
    from .services.check_errors import check_errors_notify

    check_errors_notify(firm_id=firm_id, errors=errors)
