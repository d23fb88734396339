"""Client emails come from the firm (its name on the From line) and a reply reaches the
client's adviser (Reply-To)."""

from email.utils import getaddresses, parseaddr

import pytest
from django.core import mail

from firms.services.tenancy import firm_scope
from notifications.models import OutboundMessage
from notifications.services.outbox import outbound_message_send

pytestmark = pytest.mark.django_db


def _send(firm, **filters):
    mail.outbox.clear()
    with firm_scope(firm):
        message = OutboundMessage.objects.filter(**filters).order_by("pk").first()
        OutboundMessage.objects.filter(pk=message.pk).update(status="pending")
        assert outbound_message_send(message_id=message.pk) == "sent"
    (sent,) = mail.outbox
    return message, sent.message()


def test_a_client_email_comes_from_the_firm_and_replies_reach_the_adviser(
    lived, firm_a, members_a, settings
):
    message, sent = _send(firm_a, kind="trade_confirmation")
    assert message.recipient == lived["account"].client.email
    name, address = parseaddr(sent["From"])
    assert name == "Alpha Advisors"
    assert address == parseaddr(settings.DEFAULT_FROM_EMAIL)[1]  # the product's own domain
    ((reply_name, reply_address),) = getaddresses([sent["Reply-To"]])
    adviser = members_a["advisor"]
    assert reply_address == adviser.user.email and reply_name == adviser.user.get_full_name()


def test_an_email_to_the_adviser_has_no_reply_to_themselves(lived, firm_a, members_a):
    from notifications.choices import Kind
    from notifications.services.messages import NotificationRequest, notification_enqueue

    with firm_scope(firm_a):
        notification_enqueue(
            firm=firm_a,
            request=NotificationRequest(
                kind=Kind.ESCALATION,
                recipient=members_a["advisor"].user.email,
                proposal=lived["proposal"],
            ),
        )
    _message, sent = _send(firm_a, kind="escalation")
    assert parseaddr(sent["From"])[0] == "Alpha Advisors" and sent["Reply-To"] is None
