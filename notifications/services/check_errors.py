"""The email to a firm's compliance officers when a compliance check could not run (the
proposals concerned are flagged with an error finding and wait for a review by hand)."""

from html import escape

from core.formatting import count
from firms.choices import Role
from firms.models import Firm, Membership

from ..choices import Kind
from ..templating.rendering import RenderedEmail
from .messages import outbound_message_insert


def check_errors_notify(*, firm_id: int, errors: dict[str, dict[int, str]]) -> None:
    """One email per rule that could not run, to every compliance officer (else firm admin).
    Safe to run twice: the dedupe key names the rule, the proposals and the recipient."""
    firm = Firm.objects.get(pk=firm_id)
    staff = Membership.objects.filter(firm_id=firm_id).select_related("user")
    emails = [m.user.email for m in staff.filter(role=Role.COMPLIANCE_OFFICER)] or [
        m.user.email for m in staff.filter(role=Role.FIRM_ADMIN)
    ]
    for kind, by_proposal in errors.items():
        ids = sorted(map(int, by_proposal))
        first = by_proposal.get(ids[0], by_proposal.get(str(ids[0])))  # JSON keys are strings
        rule = kind.replace("_", " ")
        subject = f"Compliance: the {rule} check could not run on {count(len(ids), 'proposal')}"
        text = (
            f"The {rule} check could not run on proposals {', '.join(map(str, ids))} "
            f"({first}). They are flagged and wait in the compliance queue for a review by hand. "
            "If the rule's parameters are the cause, correct them on the Compliance rules page."
        )
        email = RenderedEmail(subject=subject, html=f"<p>{escape(text)}</p>", text=text)
        for to in emails:
            outbound_message_insert(
                firm=firm,
                kind=Kind.ESCALATION,
                recipient=to,
                email=email,
                dedupe_key=f"check-error:{kind}:{ids[0]}-{ids[-1]}:{len(ids)}:{to.lower()}",
            )
