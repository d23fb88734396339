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


def notification_templates_ensure_defaults(*, firm_id: int) -> int:
    """A copy of the shipped wording for every kind the firm has no template of (a new firm's
    starting point, edited on the templates page); returns how many were created."""
    from ..templating.defaults import DEFAULTS

    have = set(NotificationTemplate.objects.values_list("kind", flat=True))
    new = [
        NotificationTemplate(
            firm_id=firm_id,
            kind=kind,
            subject=default.subject,
            body_html=default.body_html,
            body_text=default.body_text,
        )
        for kind, default in DEFAULTS.items()
        if kind not in have
    ]
    NotificationTemplate.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
