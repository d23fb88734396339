"""Webhooks through a real Celery worker on the real Redis broker: a stage's emit commits, the
dispatch task published after that commit hands the delivery to the send task, and the worker
posts it, signed, to a real receiver on 127.0.0.1 (a retry waits in the row for the sweep)."""

import pytest

from firms.services.tenancy import firm_scope
from tests.reliability.waiting import wait_until
from tests.webhooks.conftest import endpoint_for, receiver  # noqa: F401 (fixture)
from tests.worker.test_celery_worker import worker  # noqa: F401 (fixture)
from webhooks.choices import DeliveryStatus
from webhooks.choices import EventType as T
from webhooks.models import WebhookAttempt, WebhookDelivery
from webhooks.services.emit import webhook_emit

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def to_worker(worker, monkeypatch):  # noqa: F811
    """The webhooks tasks publish to this test's worker, not the shared default queue."""
    from webhooks.tasks import webhook_delivery_send_task, webhooks_dispatch_firm

    for task in (webhook_delivery_send_task, webhooks_dispatch_firm):
        task = task._get_current_object()
        monkeypatch.setattr(task, "_exec_options", {**task._get_exec_options(), "queue": worker})
    return worker


def test_an_emitted_event_is_delivered_by_the_worker_and_a_failure_waits_for_retry(
    to_worker,
    firm_a,
    firm_b,
    receiver,  # noqa: F811
):
    from django.db import transaction

    endpoint = endpoint_for(firm_a, receiver, event_types=[T.RECONCILIATION_BREAK])
    with firm_scope(firm_a), transaction.atomic():
        webhook_emit(
            firm_id=firm_a.pk,
            event_type=T.RECONCILIATION_BREAK,
            key="w1",
            data={"account_number": "A-1", "difference": "1.00"},
        )
        assert receiver.count == 0  # nothing leaves before the commit
    delivered = wait_until(lambda: receiver.count == 1, 60, step=0.2)
    with firm_scope(firm_a):
        rows = list(WebhookDelivery.objects.values("status", "attempts", "last_error"))
    assert delivered, f"the worker did not deliver: {rows}"
    [got] = receiver.got
    assert got.verifies(endpoint.secret) and got.json["data"]["account_number"] == "A-1"

    def status():
        with firm_scope(firm_a):
            return WebhookDelivery.objects.get().status

    assert wait_until(lambda: status() == DeliveryStatus.DELIVERED, 30)
    receiver.status = 500
    with firm_scope(firm_a), transaction.atomic():
        webhook_emit(firm_id=firm_a.pk, event_type=T.RECONCILIATION_BREAK, key="w2", data={})
    assert wait_until(lambda: receiver.count == 2, 60, step=0.2)

    def retry_scheduled():
        with firm_scope(firm_a):
            d = WebhookDelivery.objects.get(event__key="w2")
            return (
                d.status == DeliveryStatus.PENDING and d.attempts == 1 and d.last_status_code == 500
            )

    assert wait_until(retry_scheduled, 30)
    with firm_scope(firm_a):
        assert WebhookAttempt.objects.filter(status_code=500).count() == 1
    with firm_scope(firm_b):
        assert WebhookDelivery.objects.count() == 0
