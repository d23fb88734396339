"""The signed PDF (weasyprint) of the exact proposal and its signature block."""

import hashlib
import logging
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from firms.models import firm_zone

from ..calc.consent import disclosures_for
from ..selectors import proposal_review

log = logging.getLogger(__name__)


def signature_pdf_context(signature) -> dict:
    """What the signed PDF shows beyond the proposal: the firm and the adviser, the exact
    disclosures consented to, and the approval chain (who approved each step, when)."""
    approval = signature.approval
    proposal = (
        type(approval.proposal)
        .objects.select_related("account__client", "account__advisor__user", "firm")
        .get(pk=approval.proposal_id)
    )
    steps = list(approval.steps.select_related("actor").order_by("position"))
    return {
        **proposal_review(proposal),
        "sig": signature,
        "approval": approval,
        "firm": proposal.firm,
        "adviser": proposal.account.advisor,
        "chain": steps,
        "disclosures": disclosures_for(signature.consent_version, signature.consent_sha256),
    }


def signature_pdf_bytes(signature) -> bytes:
    from weasyprint import HTML

    context = signature_pdf_context(signature)
    with timezone.override(firm_zone(context["firm"])):  # times in the firm's time zone
        html = render_to_string("approvals/signed_proposal.html", context)
    return HTML(string=html).write_pdf()


# The PDF is rendered by a task enqueued when the signature commits (approvals_signature_pdf);
# one whose task failed or was never published (broker down) is rendered by the firm's
# approvals sweep once the signature is this old (the task's turn comes first), a few per sweep.
PDF_RETRY_AFTER = timedelta(minutes=2)
PDF_RETRIES_PER_SWEEP = 10


def signature_pdf_render(signature) -> bool:
    """Render and store the PDF once (a no-op when it exists); True when it is stored. Runs after
    the decision's transaction commits, in a worker: rendering takes 0.3-2 s, which must hold
    neither the approval's row lock nor the client's request. A failure leaves the signature
    standing without its PDF, for the sweep to retry."""
    if signature.pdf:
        return True
    try:
        data = signature_pdf_bytes(signature)
    except Exception:  # noqa: BLE001 - the signature stands; signature_pdfs_retry renders it later
        log.exception("signed PDF for signature %s failed to render", signature.pk)
        return False
    signature.pdf_sha256 = hashlib.sha256(data).hexdigest()
    signature.pdf.save(
        f"proposal-{signature.approval.proposal_id}-v{signature.approval.version}.pdf",
        ContentFile(data),
        save=False,
    )
    # Never replaces a PDF stored meanwhile by another attempt.
    return bool(
        type(signature)
        .objects.filter(pk=signature.pk, pdf="")
        .update(pdf=signature.pdf.name, pdf_sha256=signature.pdf_sha256)
    )


def _claimed(signatures):
    """Signatures without a PDF, each row locked (only the signature's, not the approval's); a
    row another attempt holds is skipped, so a task and a sweep never render the same one."""
    return (
        signatures.select_for_update(skip_locked=True, of=("self",))
        .select_related("approval")
        .filter(pdf="")
    )


def signature_pdf_store(signature_id: int) -> bool | None:
    """The task's work: render and store one signature's PDF. None when there is nothing to do
    (stored already, or being rendered by another attempt right now)."""
    from ..models import Signature

    with transaction.atomic():
        signature = _claimed(Signature.objects.filter(pk=signature_id)).first()
        return None if signature is None else signature_pdf_render(signature)


def signature_pdfs_retry(*, now: datetime) -> list[int]:
    """Render the PDFs missing since before PDF_RETRY_AFTER (ids stored). Each signature is
    claimed with a row lock that a concurrent sweep skips, so two sweeps never render one."""
    from ..models import Signature

    stored = []
    with transaction.atomic():
        due = _claimed(Signature.objects.filter(signed_at__lte=now - PDF_RETRY_AFTER)).order_by(
            "signed_at"
        )[:PDF_RETRIES_PER_SWEEP]
        for signature in due:
            if signature_pdf_render(signature):
                stored.append(signature.pk)
    return stored
