"""Signed heads of each firm's audit chain, published outside the rows they vouch for
(issue 17 item 6).

A head is (firm, seq, hash, count, published_at) with an HMAC-SHA256 signature under
settings.AUDIT_HMAC_KEY. The daily beat task publishes one per firm whose chain has grown: a row
in AuditHead (append-only; a trigger refuses a head below the last one) and a line appended to
the firm's file under settings.AUDIT_HEAD_DIR; the monthly report and every evidence pack carry
the latest one too. `audit_verify` then requires the chain to still hold each published entry
with the same hash, and at least as many entries as each head counted: editing, dropping the
tail or truncating shows, and so does a head deleted from the table but still in the file."""

import hashlib
import hmac
import json
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core import locks

from .audit import audit_key
from .models import AuditEntry, AuditHead


def head_signature(*, firm_id: int, seq: int, hash: str, count: int, published_at: str) -> str:
    message = json.dumps(
        ["rebalance.audit-head", firm_id, seq, hash, count, published_at], separators=(",", ":")
    )
    return hmac.new(audit_key(), message.encode(), hashlib.sha256).hexdigest()


def _as_dict(head: AuditHead) -> dict:
    return {
        "firm": head.firm_id,
        "seq": head.seq,
        "hash": head.hash,
        "count": head.count,
        "published_at": head.published_at.isoformat(),
        "signature": head.signature,
    }


def head_file(firm_id: int) -> Path:
    """One file per firm (JSON lines, appended), under a folder per database: the demo's,
    the tests' and the benchmarks' firm ids overlap."""
    return (
        Path(settings.AUDIT_HEAD_DIR) / connection.settings_dict["NAME"] / f"firm-{firm_id}.jsonl"
    )


def audit_head_publish(*, firm_id: int) -> dict | None:
    """Sign and publish the chain's current head, or return the last published one if the
    chain has not grown since; None for an empty chain. Call inside the firm's scope."""
    with transaction.atomic():
        locks.xact_lock(locks.AUDIT_CHAIN, firm_id)  # the chain cannot move while its head is read
        last = (
            AuditEntry.objects.filter(firm_id=firm_id)
            .order_by("-seq")
            .values("seq", "hash")
            .first()
        )
        previous = AuditHead.objects.filter(firm_id=firm_id).order_by("-seq").first()
        if last is None or (previous is not None and previous.seq >= last["seq"]):
            return _as_dict(previous) if previous is not None else None
        count = AuditEntry.objects.filter(firm_id=firm_id).count()
        now = timezone.now()
        head = AuditHead(
            firm_id=firm_id,
            seq=last["seq"],
            hash=last["hash"],
            count=count,
            published_at=now,
            signature=head_signature(
                firm_id=firm_id,
                seq=last["seq"],
                hash=last["hash"],
                count=count,
                published_at=now.isoformat(),
            ),
        )
        head.save(force_insert=True)
        published = _as_dict(head)
        path = head_file(firm_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as fh:
            fh.write(json.dumps(published, sort_keys=True) + "\n")
    return published


def audit_head_latest(*, firm_id: int) -> dict | None:
    """The latest published head (from the table), or None."""
    head = AuditHead.objects.filter(firm_id=firm_id).order_by("-seq").first()
    return _as_dict(head) if head is not None else None


def heads_published(*, firm_id: int) -> list[dict]:
    """Every head published for the firm: the table's rows and the file's lines (a head in
    the file only is marked `in_table: False`)."""
    heads = {
        (h["seq"], h["signature"]): {**h, "in_table": True}
        for h in map(_as_dict, AuditHead.objects.filter(firm_id=firm_id))
    }
    path = head_file(firm_id)
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                h = json.loads(line)
                if h.get("firm") == firm_id:
                    heads.setdefault((h["seq"], h["signature"]), {**h, "in_table": False})
    return sorted(heads.values(), key=lambda h: h["seq"])


def heads_check(
    *, firm_id: int, heads: list[dict], count: int, hashes: dict[int, str]
) -> tuple[int, str] | None:
    """(seq, reason) of the first published head the chain contradicts, or None."""
    for h in heads:
        expected = head_signature(
            firm_id=firm_id,
            seq=h["seq"],
            hash=h["hash"],
            count=h["count"],
            published_at=h["published_at"],
        )
        if not hmac.compare_digest(expected, h["signature"]):
            return h["seq"], f"published head #{h['seq']} has a bad signature (forged or altered)"
        if count < h["count"]:
            return h["seq"], (
                f"the chain has {count} entries, fewer than the {h['count']} of the head "
                f"published {h['published_at']} (entries dropped)"
            )
        if hashes.get(h["seq"]) != h["hash"]:
            return h[
                "seq"
            ], f"entry #{h['seq']} is not the one published {h['published_at']} (chain rewritten)"
        if not h["in_table"]:
            return h[
                "seq"
            ], f"published head #{h['seq']} is missing from the database's head table (deleted)"
    return None
