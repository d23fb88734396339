"""The signed PDF (weasyprint) of the exact proposal and its signature block."""
import hashlib
import logging

from django.core.files.base import ContentFile
from django.template.loader import render_to_string

from .presentation import proposal_review

log = logging.getLogger(__name__)


def signature_pdf_bytes(signature) -> bytes:
    from weasyprint import HTML

    proposal = signature.approval.proposal
    html = render_to_string("approvals/signed_proposal.html", {"sig": signature, **proposal_review(proposal)})
    return HTML(string=html).write_pdf()


def signature_pdf_render(signature) -> None:
    """Render and store the PDF once (a no-op when it exists). Runs after the decision's
    transaction commits: rendering is slow and must not hold the approval's row lock."""
    if signature.pdf:
        return
    try:
        data = signature_pdf_bytes(signature)
    except Exception:  # noqa: BLE001 - the signature stands; ops re-render with approvals_render_pdfs
        log.exception("signed PDF for signature %s failed to render", signature.pk)
        return
    signature.pdf_sha256 = hashlib.sha256(data).hexdigest()
    signature.pdf.save(f"proposal-{signature.approval.proposal_id}-v{signature.approval.version}.pdf", ContentFile(data), save=False)
    type(signature).objects.filter(pk=signature.pk).update(pdf=signature.pdf.name, pdf_sha256=signature.pdf_sha256)
