"""Nobody but the client can open the client's portal or sign for them.

Links are never stored readable (staff of every role see only a placeholder on the outbox
pages, in the admin and the API; a copied body signs nobody in), the sender inserts the real
link, tokens stay out of the logs, a firm may ask for a one-time code to sign, and a session
opened from a link ends once the approval it was opened for is decided."""

import logging
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from approvals.models import Approval, ApprovalSettings, Signature, SigningCode
from approvals.services import approvals_start
from drift.services.transitions import proposals_supersede_open
from firms.choices import STAFF_ROLES
from firms.services.tenancy import firm_scope
from notifications.choices import SIGNING_CODE, Kind
from notifications.models import OutboundMessage
from notifications.services.outbox import outbound_message_send
from tests.approvals.helpers import checked

pytestmark = pytest.mark.django_db
LINK = re.compile(r"/portal/l/([^/\s\"'<>]+)/")


@pytest.fixture
def emailed(firm_a):
    """Two proposals routed to their clients through the real outbox (no stand-in for
    approvals.services.notify); returns the approvals and their proposal messages, not yet sent."""
    checked(firm_a, n=2, value="50000.00")
    with firm_scope(firm_a):
        approvals_start(firm_id=firm_a.pk, now=timezone.now())
        approvals = list(
            Approval.objects.select_related("proposal__account__client").order_by("pk")
        )
        messages = {m.proposal_id: m for m in OutboundMessage.objects.filter(kind=Kind.PROPOSAL)}
    return approvals, [messages[a.proposal_id] for a in approvals]


def _send(firm, message) -> str:
    """Send `message` as the worker does; returns the text body the client received."""
    mail.outbox.clear()
    with firm_scope(firm):
        assert outbound_message_send(message_id=message.pk) == "sent"
    return mail.outbox[0].body


def _sign(client, approval, **extra):
    data = {
        "consent": "on",
        "typed_name": approval.proposal.account.client.name,
        "content_hash": approval.content_hash,
        **extra,
    }
    return client.post(f"/portal/proposals/{approval.pk}/approve/", data, follow=True)


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_no_staff_role_gets_a_working_portal_link_from_outbox_pages_admin_or_api(
    emailed, firm_a, members_a, role
):
    approvals, messages = emailed
    message = messages[0]
    staff = HttpClient()
    staff.force_login(members_a[role].user, backend="django.contrib.auth.backends.ModelBackend")
    seen = ""
    for url in (
        reverse("notifications:outbox"),
        reverse("notifications:message", args=[message.pk]),
        reverse("notifications:message_html", args=[message.pk]),
        "/admin/notifications/outboundmessage/",
        f"/admin/notifications/outboundmessage/{message.pk}/change/",
        "/api/notifications/messages/",
        f"/api/notifications/messages/{message.pk}/",
    ):
        response = staff.get(url)
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
        seen += response.content.decode()
    detail = staff.get(reverse("notifications:message", args=[message.pk]))
    assert (
        detail.status_code == 200
        and "/portal/l/link-inserted-when-sent/" in detail.content.decode()
    )
    with firm_scope(firm_a):
        stored = OutboundMessage.objects.get(pk=message.pk)
    seen += (
        stored.body_text + stored.body_html + stored.subject
    )  # the database itself holds no live link
    assert "/portal/l/link-inserted-when-sent/" in stored.body_text
    # Whatever a staff member copies out of those pages signs nobody in.
    for token in set(LINK.findall(seen)):
        response = HttpClient().get(f"/portal/l/{token}/")
        assert response.status_code == 404 and "not valid" in response.content.decode()
    # The email the client receives does carry a working link, made at send time, seen nowhere else.
    received = _send(firm_a, message)
    token = LINK.search(received).group(1)
    assert len(token) >= 43 and token not in seen
    with firm_scope(firm_a):
        assert (
            token not in OutboundMessage.objects.get(pk=message.pk).body_text
        )  # not written back either
    client = HttpClient()
    assert client.get(f"/portal/l/{token}/").status_code == 302
    assert (
        "Your decision is needed by"
        in client.get(f"/portal/proposals/{approvals[0].pk}/").content.decode()
    )


def test_a_resent_message_carries_the_same_link(emailed, firm_a):
    """A retry rebuilds the same token (HMAC of the stored nonce), so a retried email works."""
    _, messages = emailed
    first = LINK.search(_send(firm_a, messages[0])).group(1)
    with firm_scope(firm_a):
        OutboundMessage.objects.filter(pk=messages[0].pk).update(status="pending")
    assert LINK.search(_send(firm_a, messages[0])).group(1) == first


def test_link_tokens_stay_out_of_the_logs(caplog):
    token = "T" * 43
    with caplog.at_level(logging.INFO):
        assert (
            HttpClient().get(f"/portal/l/{token}/").status_code == 404
        )  # django.request warns "Not Found: <path>"
        server_lines = []
        handler = logging.Handler()
        handler.emit = lambda record: server_lines.append(record.getMessage())
        server = logging.getLogger("django.server")
        server.addHandler(handler)
        try:
            server.info(
                '"%s" %s %s', f"GET /portal/l/{token}/ HTTP/1.1", "302", "0"
            )  # the access log line
        finally:
            server.removeHandler(handler)
    logged = " ".join(r.getMessage() for r in caplog.records) + " ".join(server_lines)
    assert "/portal/l/[redacted]/" in logged and token not in logged


@pytest.fixture
def codes_on(firm_a):
    with firm_scope(firm_a):
        ApprovalSettings.objects.update_or_create(
            firm_id=firm_a.pk, defaults={"signing_code_required": True}
        )


def _open(firm, message) -> HttpClient:
    client = HttpClient()
    token = LINK.search(_send(firm, message)).group(1)
    assert client.get(f"/portal/l/{token}/").status_code == 302
    return client


def _code_email(firm, approval) -> tuple[OutboundMessage, str]:
    with firm_scope(firm):
        message = OutboundMessage.objects.filter(
            kind=SIGNING_CODE, proposal=approval.proposal
        ).latest("created_at")
    body = _send(firm, message)
    return message, re.search(r"\b(\d{6})\b", body).group(1)


def test_with_codes_on_a_link_alone_does_not_sign(emailed, firm_a, codes_on):
    approvals, messages = emailed
    client = _open(firm_a, messages[0])
    page = client.get(f"/portal/proposals/{approvals[0].pk}/").content.decode()
    assert "Email me a code" in page and "Code from your email" in page
    refused = _sign(client, approvals[0]).content.decode()
    assert "Ask for a signing code first" in refused
    with firm_scope(firm_a):
        assert not Signature.objects.exists()


def test_signing_with_an_emailed_code_wrong_code_and_attempts(emailed, firm_a, codes_on):
    approvals, messages = emailed
    approval = approvals[0]
    client = _open(firm_a, messages[0])
    sent = client.post(f"/portal/proposals/{approval.pk}/code/", follow=True).content.decode()
    assert "We emailed you a six-digit code" in sent
    again = client.post(f"/portal/proposals/{approval.pk}/code/", follow=True).content.decode()
    assert "less than a minute ago" in again  # no flood of codes
    message, code = _code_email(firm_a, approval)
    assert (
        code not in message.body_text + message.body_html
        and "[code inserted when sent]" in message.body_text
    )
    with firm_scope(firm_a):
        stored = SigningCode.objects.get()
        assert code not in str(
            stored.__dict__
        )  # neither the code nor anything it could be read from
    wrong = "000000" if code != "000000" else "111111"
    page = _sign(client, approval, signing_code=wrong).content.decode()
    assert "That code is not right; 4 tries left" in page
    signed = _sign(client, approval, signing_code=code).content.decode()
    assert "you approved the proposal" in signed
    with firm_scope(firm_a):
        signature = Signature.objects.get()
        assert signature.auth_method == "email_link_code"
        assert SigningCode.objects.get().used_at is not None


def test_a_code_runs_out_after_five_wrong_tries_and_expires(emailed, firm_a, codes_on):
    approvals, messages = emailed
    approval = approvals[0]
    client = _open(firm_a, messages[0])
    client.post(f"/portal/proposals/{approval.pk}/code/")
    _, code = _code_email(firm_a, approval)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        _sign(client, approval, signing_code=wrong)
    assert "that was the last try" in _sign(client, approval, signing_code=wrong).content.decode()
    assert (
        "Ask for a signing code first"
        in _sign(client, approval, signing_code=code).content.decode()
    )
    # A fresh code, then left to expire.
    with firm_scope(firm_a):
        SigningCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    client.post(f"/portal/proposals/{approval.pk}/code/")
    _, code = _code_email(firm_a, approval)
    with firm_scope(firm_a):
        SigningCode.objects.filter(used_at__isnull=True).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    assert "That code has expired" in _sign(client, approval, signing_code=code).content.decode()
    with firm_scope(firm_a):
        assert not Signature.objects.exists()


def test_a_link_session_ends_once_its_approval_is_decided(emailed, firm_a):
    approvals, messages = emailed
    client = _open(firm_a, messages[0])
    assert (
        "You declined the proposal"
        in client.post(
            f"/portal/proposals/{approvals[0].pk}/decline/", follow=True
        ).content.decode()
    )
    ended = client.get("/portal/")
    assert (
        ended.status_code == 410
        and "has ended: the proposal it was for was already declined" in ended.content.decode()
    )
    assert client.get("/portal/").status_code == 302  # signed out: the login page, no portal


def test_a_link_session_cannot_act_once_its_approval_is_superseded_or_expired(emailed, firm_a):
    approvals, messages = emailed
    first, second = _open(firm_a, messages[0]), _open(firm_a, messages[1])
    with firm_scope(firm_a):
        proposals_supersede_open(account_ids=[approvals[0].proposal.account_id], reason="v2")
        Approval.objects.filter(pk=approvals[1].pk).update(
            deadline=timezone.now() - timedelta(seconds=1)
        )
    for client, approval, why in (
        (first, approvals[0], "newer version"),
        (second, approvals[1], "expired"),
    ):
        response = _sign(client, approval)
        assert response.status_code == 410 and why in response.content.decode()
        assert client.get("/portal/").status_code == 302
    with firm_scope(firm_a):
        assert not Signature.objects.exists()


def test_a_link_session_acts_only_on_the_approval_its_link_was_for(emailed, firm_a):
    from portfolios.models import Account

    approvals, messages = emailed
    with firm_scope(firm_a):  # both proposals belong to the same client
        Account.objects.filter(pk=approvals[1].proposal.account_id).update(
            client=approvals[0].proposal.account.client
        )
    client = _open(firm_a, messages[0])
    assert client.get(f"/portal/proposals/{approvals[1].pk}/").status_code == 200  # may look
    refused = client.post(f"/portal/proposals/{approvals[1].pk}/decline/", {"reason": "x"})
    assert refused.status_code == 403 and "link for another proposal" in refused.content.decode()
    with firm_scope(firm_a):
        assert Approval.objects.get(pk=approvals[1].pk).status == "pending"
