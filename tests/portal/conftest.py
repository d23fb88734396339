import pytest

from tests.approvals.helpers import route_emails_to


@pytest.fixture
def sent(monkeypatch):
    """Every email the approvals app asks for: dicts of kind, to, link."""
    messages = []

    def deliver(*, kind, approval, to, link="", extra=None):
        messages.append({"kind": kind, "approval": approval.pk, "to": to, "link": link})

    monkeypatch.setattr("approvals.services.notify._deliver", deliver)
    route_emails_to(monkeypatch, deliver)
    return messages
