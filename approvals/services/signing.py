"""The one-time signing code: fresh proof, at the moment of signing, that the
person holding an emailed portal link also controls the client's inbox now. A firm turns it
on in its approval settings (ApprovalSettings.signing_code_required); it applies to sessions
opened from a link, not to clients who signed in with their password.

The code is six digits, HMAC(key from SECRET_KEY, nonce): the row holds only the nonce, so
nobody reading the database, the outbox, the admin or the API learns it (the outbox stores
the email with a placeholder; notifications.services.redaction inserts the code when it is sent).
A code lives CODE_TTL, allows MAX_ATTEMPTS wrong tries, is used once; asking for a new one
retires the old ones, at most once every RESEND_AFTER."""

import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac

from firms.models import Firm
from firms.services.audit import audit_record

from ..models import Approval, SigningCode
from ..selectors import approval_settings_get
from .common import ApprovalRefused

CODE_TTL = timedelta(minutes=10)
RESEND_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 5


def signing_code_required(*, firm_id: int) -> bool:
    return approval_settings_get(firm_id=firm_id).signing_code_required


def _code(nonce: str) -> str:
    digest = salted_hmac("rebalance.signing-code", nonce, algorithm="sha256").digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def signing_code_value(reference: str) -> str | None:
    """Resolver for notifications.services.redaction: the code of SigningCode `reference`, at
    send time."""
    code = SigningCode.objects.filter(pk=int(reference)).only("nonce").first()
    return _code(code.nonce) if code else None


def signing_code_send(*, approval: Approval, user, now: datetime) -> SigningCode:
    """A new code for `user` to sign `approval`, emailed through the outbox; older codes retire."""
    from notifications.choices import SIGNING_CODE
    from notifications.services.messages import outbound_message_insert
    from notifications.services.redaction import SIGNING_CODE_PLACEHOLDER, secret_ref
    from notifications.templating.rendering import RenderedEmail, brand

    with transaction.atomic():
        Approval.objects.select_for_update().filter(
            pk=approval.pk
        ).first()  # one sender at a time per approval
        mine = SigningCode.objects.filter(approval=approval, user=user)
        last = mine.order_by("-created_at").first()
        if last and now - last.created_at < RESEND_AFTER:
            wait = int((RESEND_AFTER - (now - last.created_at)).total_seconds()) + 1
            raise ApprovalRefused(
                "A code was sent less than a minute ago; check your email, or ask again in "
                f"{wait} seconds."
            )
        mine.filter(used_at__isnull=True).update(used_at=now)
        code = SigningCode.objects.create(
            firm_id=approval.firm_id,
            approval=approval,
            user=user,
            nonce=secrets.token_hex(16),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        firm = Firm.objects.get(pk=approval.firm_id)
        page = {
            "code": SIGNING_CODE_PLACEHOLDER,
            "minutes": int(CODE_TTL.total_seconds() // 60),
            "firm_name": firm.name,
        }
        subject = f"Your code to sign with {firm.name}"[:300]
        body_html = render_to_string("approvals/email/signing_code.html", page)
        body_text = render_to_string("approvals/email/signing_code.txt", page)
        html = render_to_string(
            "notifications/email/layout.html",
            {
                "subject": subject,
                "body": body_html,
                "firm_name": firm.name,
                "brand": brand(firm.brand_color),
            },
        )
        text = render_to_string(
            "notifications/email/layout.txt", {"body": body_text.strip(), "firm_name": firm.name}
        )
        outbound_message_insert(
            firm=firm,
            kind=SIGNING_CODE,
            recipient=approval.proposal.account.client.email,
            email=RenderedEmail(subject, html, text),
            dedupe_key=f"signing-code:{code.pk}",
            proposal=approval.proposal,
            secret_ref=secret_ref("signing_code", str(code.pk)),
        )
        audit_record(
            firm_id=approval.firm_id,
            event="approval.signing_code_sent",
            actor=user,
            payload={"approval": approval.pk},
        )
    return code


def signing_code_use(*, approval_id: int, user, entered: str, now: datetime) -> None:
    """Check and use up the code `user` entered to sign `approval_id`, or raise ApprovalRefused
    saying what is wrong. Commits on its own, so a wrong try counts even though nothing is
    signed."""
    entered = "".join((entered or "").split())
    with transaction.atomic():
        code = (
            SigningCode.objects.select_for_update()
            .filter(approval_id=approval_id, user=user, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if code is None:
            raise ApprovalRefused(
                "Ask for a signing code first: we email it to you, and you type it in here."
            )
        if now >= code.expires_at:
            raise ApprovalRefused(
                "That code has expired (codes last 10 minutes); ask for a new one. Nothing was "
                "signed."
            )
        if code.attempts >= MAX_ATTEMPTS:
            raise ApprovalRefused("Too many wrong codes; ask for a new one. Nothing was signed.")
        if not entered:
            raise ApprovalRefused("Type the six-digit code from the email we sent you.")
        if hmac.compare_digest(entered, _code(code.nonce)):
            code.used_at = now
            code.save(update_fields=["used_at"])
            return
        code.attempts += 1
        if code.attempts >= MAX_ATTEMPTS:
            code.used_at = now
        code.save(update_fields=["attempts", "used_at"])
        audit_record(
            firm_id=code.firm_id,
            event="approval.signing_code_wrong",
            actor=user,
            payload={"approval": approval_id, "attempts": code.attempts},
        )
    # Raised once the block has committed, so the wrong try counts.
    left = MAX_ATTEMPTS - code.attempts
    raise ApprovalRefused(
        f"That code is not right; {left} tries left. Nothing was signed."
        if left
        else (
            "That code is not right, and that was the last try; ask for a new one. "
            "Nothing was signed."
        )
    )
