"""The signed PDF (weasyprint) of the exact proposal and its signature block."""
import hashlib
import logging
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string

from .presentation import proposal_review

log = logging.getLogger(__name__)


def signature_pdf_bytes(signature) -> bytes:
    from weasyprint import HTML

    proposal = signature.approval.proposal
    html = render_to_string("approvals/signed_proposal.html", {"sig": signature, **proposal_review(proposal)})
    return HTML(string=html).write_pdf()


# A PDF that failed to render in the request is retried by the firm's approvals sweep once it
# is this old (the request's own attempt comes first), a few per sweep.
PDF_RETRY_AFTER = timedelta(minutes=2)
PDF_RETRIES_PER_SWEEP = 10


def signature_pdf_render(signature) -> bool:
    """Render and store the PDF once (a no-op when it exists); True when it is stored. Runs after
    the decision's transaction commits: rendering is slow and must not hold the approval's row
    lock. A failure leaves the signature standing without its PDF, for the sweep to retry."""
    if signature.pdf:
        return True
    try:
        data = signature_pdf_bytes(signature)
    except Exception:  # noqa: BLE001 - the signature stands; signature_pdfs_retry renders it later
        log.exception("signed PDF for signature %s failed to render", signature.pk)
        return False
    signature.pdf_sha256 = hashlib.sha256(data).hexdigest()
    signature.pdf.save(f"proposal-{signature.approval.proposal_id}-v{signature.approval.version}.pdf", ContentFile(data), save=False)
    # Never replaces a PDF stored meanwhile by another attempt.
    return bool(type(signature).objects.filter(pk=signature.pk, pdf="").update(pdf=signature.pdf.name, pdf_sha256=signature.pdf_sha256))


def signature_pdfs_retry(*, now: datetime) -> list[int]:
    """Render the PDFs missing since before PDF_RETRY_AFTER (ids stored). Each signature is
    claimed with a row lock that a concurrent sweep skips, so two sweeps never render one."""
    from .models import Signature

    stored = []
    with transaction.atomic():
        due = (Signature.objects.select_for_update(skip_locked=True).select_related("approval")
               .filter(pdf="", signed_at__lte=now - PDF_RETRY_AFTER).order_by("signed_at")[:PDF_RETRIES_PER_SWEEP])
        for signature in due:
            if signature_pdf_render(signature):
                stored.append(signature.pk)
    return stored
