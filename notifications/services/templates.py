"""A firm's own email wording: validated (merge fields, the HTML allowlist) and saved, or reset
to the shipped default. Audited."""

from django.db import transaction

from firms.models import Firm, Membership
from firms.services.audit import audit_record

from ..models import NotificationTemplate
from ..templating.merge import html_check, merge_parse


def notification_template_validate(*, subject: str, body_html: str, body_text: str) -> None:
    """Raise MergeSyntaxError (with line/column) for any unknown field or forbidden syntax."""
    merge_parse(subject)
    merge_parse(body_html)
    html_check(body_html)
    merge_parse(body_text)


def notification_template_save(
    *, firm: Firm, actor: Membership, kind: str, subject: str, body_html: str, body_text: str
) -> NotificationTemplate:
    notification_template_validate(subject=subject, body_html=body_html, body_text=body_text)
    with transaction.atomic():
        template, _ = NotificationTemplate.objects.update_or_create(
            firm=firm,
            kind=kind,
            defaults={
                "subject": subject,
                "body_html": body_html,
                "body_text": body_text,
                "updated_by": actor,
            },
        )
        audit_record(
            firm_id=firm.pk,
            event="notification.template_saved",
            actor=actor.user,
            obj=template,
            payload={"kind": kind},
        )
    return template


def notification_template_reset(*, firm: Firm, actor: Membership, kind: str) -> None:
    """Go back to the shipped default for this kind."""
    with transaction.atomic():
        NotificationTemplate.objects.filter(kind=kind).delete()
        audit_record(
            firm_id=firm.pk,
            event="notification.template_reset",
            actor=actor.user,
            payload={"kind": kind},
        )
