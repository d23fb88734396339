"""Receivers on 127.0.0.1 and endpoints pointing at them."""

import pytest

from firms.services.tenancy import firm_scope
from tests.webhooks.receiver import receiver_start
from webhooks.choices import EventType
from webhooks.services.endpoints import webhook_endpoint_create


def _receiver():
    receiver, server = receiver_start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def receiver():
    yield from _receiver()


@pytest.fixture
def receiver_b():
    yield from _receiver()


def endpoint_for(firm, receiver, event_types=None, **kwargs):
    """An active endpoint of `firm` posting to `receiver`, whose secret the receiver knows."""
    with firm_scope(firm):
        endpoint = webhook_endpoint_create(
            firm_id=firm.pk,
            url=receiver.url,
            event_types=event_types or list(EventType.values),
            description=kwargs.pop("description", "CRM"),
            **kwargs,
        )
    receiver.secrets.append(endpoint.secret)
    return endpoint
