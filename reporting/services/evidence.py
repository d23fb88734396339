"""The evidence pack of a proposal: one zip, its download audited."""

import hashlib
import io
import json
import zipfile

from django.template.loader import render_to_string
from django.utils import timezone

from firms.models import firm_zone
from firms.services.audit import audit_head_publish, audit_record

from ..selectors.evidence import evidence_collect, evidence_summary_facts, signed_pdfs

SECTIONS = ("proposals", "compliance", "approvals", "orders", "audit")


def _json(value) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True, default=str).encode()


SUMMARY_EVENTS = 40  # the most recent entries the one-page summary lists (all are in audit.json)


def evidence_summary_pdf(*, proposal, data: dict, actor) -> bytes:
    """The examiner's one-page summary (weasyprint), times in the firm's time zone."""
    from weasyprint import HTML

    facts = evidence_summary_facts(proposal, data)
    zone = firm_zone(facts["firm"])
    with timezone.override(zone):
        html = render_to_string(
            "reporting/evidence_summary.html",
            {
                **facts,
                "shown": facts["events"][-SUMMARY_EVENTS:],
                "zone": zone.key,
                "generated_at": timezone.now(),
                "actor_label": getattr(actor, "email", "") or "system",
            },
        )
    return HTML(string=html).write_pdf()


def evidence_pack_build(*, proposal, actor) -> bytes:
    """Zip bytes: one JSON file per section, a one-page summary for an examiner
    (summary.pdf), the signed PDFs, and a manifest of SHA-256s."""
    data = evidence_collect(proposal)
    files = {f"{name}.json": _json(data[name]) for name in SECTIONS}
    files["summary.pdf"] = evidence_summary_pdf(proposal=proposal, data=data, actor=actor)
    # The firm's signed audit head, published now: `verify_audit` can check
    # the chain against this copy whatever happens to the database.
    files["audit_head.json"] = _json(audit_head_publish(firm_id=proposal.firm_id))
    for version, proposal_id, field in signed_pdfs(proposal):
        with field.open("rb") as fh:
            files[f"signed/proposal-{proposal_id}-v{version}.pdf"] = fh.read()
    manifest = {
        "account": data["account"],
        "requested_proposal": proposal.pk,
        "generated_at": timezone.now(),
        "files": {name: hashlib.sha256(body).hexdigest() for name, body in files.items()},
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in files.items():
            zf.writestr(name, body)
        zf.writestr("manifest.json", _json(manifest))
    body = buf.getvalue()
    audit_record(
        firm_id=proposal.firm_id,
        event="reporting.evidence_downloaded",
        actor=actor,
        obj=proposal,
        payload={
            "account": data["account"]["number"],
            "versions": len(data["proposals"]),
            "sha256": hashlib.sha256(body).hexdigest(),
        },
    )
    return body
