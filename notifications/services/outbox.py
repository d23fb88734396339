"""Sending the outbox: claim, send outside any transaction, record the outcome.

A message is claimed with a conditional UPDATE (pending → sending, only when due), so two
workers, a redelivered task or a re-run sweep cannot both send it. Temporary failures
(SMTP 4xx, connection trouble) go back to pending with a backoff stored in next_attempt_at;
the periodic sweep picks them up (no long countdowns). Permanent failures (5xx) are marked
failed, visible and retryable in the admin. A worker that dies mid-send leaves the row in
`sending`; the sweep reclaims it after NOTIFICATIONS_SENDING_TIMEOUT_SECONDS (the one window
where a message could go out twice: a crash after the SMTP server accepted it)."""

import smtplib
from datetime import timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from firms.services.audit import audit_record
from firms.tasks import enqueue_after_commit

from ..choices import MessageStatus as S
from ..models import OutboundMessage
from .redaction import SecretUnavailable, secret_fill


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failed try: base, 2×base, 4×base… capped."""
    base = settings.NOTIFICATIONS_RETRY_BASE_SECONDS
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATIONS_RETRY_MAX_SECONDS)
    )


def sending_timeout() -> timedelta:
    """A message claimed longer ago than this is presumed lost with its worker and reclaimed."""
    return timedelta(seconds=settings.NOTIFICATIONS_SENDING_TIMEOUT_SECONDS)


def outbound_message_claim(*, message_id: int, now) -> bool:
    return (
        OutboundMessage.objects.filter(
            pk=message_id, status=S.PENDING, next_attempt_at__lte=now
        ).update(status=S.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        == 1
    )


def smtp_failure_is_permanent(exc: Exception) -> bool:
    """5xx replies are permanent; 4xx replies and connection trouble are temporary."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(c >= 500 for c in codes)
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def message_sender(message: OutboundMessage) -> tuple[str, list[str]]:
    """(From, Reply-To) of a message: it comes from the firm (the firm's name on the
    product's sending address, DEFAULT_FROM_EMAIL) and a reply reaches the client's adviser
    (no Reply-To when there is none, or when the adviser is the recipient). One query."""
    row = (
        OutboundMessage.objects.filter(pk=message.pk)
        .values(
            "firm__name",
            "proposal__account__advisor__user__email",
            "proposal__account__advisor__user__first_name",
            "proposal__account__advisor__user__last_name",
        )
        .first()
    ) or {}
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    sender = formataddr((row.get("firm__name") or _name, address))
    adviser = row.get("proposal__account__advisor__user__email") or ""
    if not adviser or adviser.lower() == message.recipient.lower():
        return sender, []
    name = " ".join(
        filter(
            None,
            (
                row.get("proposal__account__advisor__user__first_name"),
                row.get("proposal__account__advisor__user__last_name"),
            ),
        )
    )
    return sender, [formataddr((name, adviser))]


def _email(message: OutboundMessage) -> EmailMultiAlternatives:
    """The email as sent: the stored body with its secret (if any) filled in, in memory only;
    from the firm, replies to the adviser (message_sender)."""
    text, html = secret_fill(message.secret_ref, message.body_text, message.body_html)
    sender, reply_to = message_sender(message)
    mail = EmailMultiAlternatives(
        message.subject,
        text,
        sender,
        [message.recipient],
        reply_to=reply_to,
        headers={"X-Rebalance-Message": str(message.pk)},
    )
    mail.attach_alternative(html, "text/html")
    return mail


def _failed(message: OutboundMessage, exc: Exception, now) -> str:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    pending = OutboundMessage.objects.filter(pk=message.pk, status=S.SENDING)
    if smtp_failure_is_permanent(exc) or message.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        pending.update(status=S.FAILED, last_error=error)
        return "failed"
    pending.update(
        status=S.PENDING, last_error=error, next_attempt_at=now + retry_delay(message.attempts)
    )
    return "retry"


def outbound_message_send(*, message_id: int, now=None) -> str:
    """One send attempt. Returns "sent", "retry", "failed" or "skipped" (not ours to send)."""
    now = now or timezone.now()
    if not outbound_message_claim(message_id=message_id, now=now):
        return "skipped"
    message = OutboundMessage.objects.get(pk=message_id)
    try:
        mail = _email(message)
    except SecretUnavailable as exc:
        OutboundMessage.objects.filter(pk=message_id, status=S.SENDING).update(
            status=S.FAILED, last_error=str(exc)
        )
        return "failed"
    try:
        mail.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        return _failed(message, exc, now)
    OutboundMessage.objects.filter(pk=message_id, status=S.SENDING).update(
        status=S.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def outbox_sweep(*, now=None, limit: int = 500) -> list[int]:
    """Reclaim messages stuck in `sending`, then queue a send for every due message."""
    now = now or timezone.now()
    OutboundMessage.objects.filter(status=S.SENDING, claimed_at__lt=now - sending_timeout()).update(
        status=S.PENDING,
        next_attempt_at=now,
        last_error="Reclaimed: the worker sending it did not finish.",
    )
    due = list(
        OutboundMessage.objects.filter(status=S.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", "firm_id")[:limit]
    )
    from ..tasks import outbound_message_send_task

    for pk, firm_id in due:
        enqueue_after_commit(outbound_message_send_task, firm_id=firm_id, message_id=pk)
    return [pk for pk, _ in due]


def outbound_message_retry(*, message_id: int, actor=None) -> bool:
    """Put a failed message back in the queue, due now (admin action)."""
    with transaction.atomic():
        changed = OutboundMessage.objects.filter(pk=message_id, status=S.FAILED).update(
            status=S.PENDING, next_attempt_at=timezone.now()
        )
        if changed:
            message = OutboundMessage.objects.get(pk=message_id)
            audit_record(
                firm_id=message.firm_id, event="notification.retry", actor=actor, obj=message
            )
            from ..tasks import outbound_message_send_task

            enqueue_after_commit(
                outbound_message_send_task, firm_id=message.firm_id, message_id=message_id
            )
    return bool(changed)
