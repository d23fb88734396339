"""Helpers other suites use to get a firm's outbound message (e.g. the URL isolation matrix)."""

from drift.models import Proposal
from notifications.choices import Kind
from notifications.models import OutboundMessage
from notifications.services.messages import NotificationRequest, notification_enqueue


def outbound_message_for(book) -> OutboundMessage:
    """A proposal email for the book's first proposal (call inside the book's firm scope)."""
    proposal = Proposal.objects.select_related("account__client").first()
    return notification_enqueue(
        firm=book["model"].firm,
        request=NotificationRequest(
            kind=Kind.PROPOSAL,
            recipient=proposal.account.client.email,
            proposal=proposal,
            portal_path="/portal/",
        ),
    )
