"""Writing and verifying the hash-chained audit log."""
import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import locks
from .models import AuditEntry

GENESIS = "0" * 64


def _canonical(entry: AuditEntry) -> str:
    return json.dumps(
        {
            "seq": entry.seq,
            "created_at": entry.created_at.isoformat(),
            "firm": entry.firm_id,
            "actor": entry.actor_id,
            "actor_label": entry.actor_label,
            "event": entry.event,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "payload": entry.payload,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256((entry.prev_hash + _canonical(entry)).encode()).hexdigest()


def audit_record(*, firm_id: int, event: str, actor=None, obj=None, payload: dict | None = None) -> AuditEntry:
    """Append one entry to the firm's chain. Inserts are serialised per firm by an advisory
    lock held to the end of the transaction, so concurrent writers cannot fork the chain."""
    with transaction.atomic():
        locks.xact_lock(locks.AUDIT_CHAIN, firm_id)
        last = AuditEntry.objects.filter(firm_id=firm_id).order_by("-seq").values("seq", "hash").first()
        entry = AuditEntry(
            firm_id=firm_id,
            seq=(last["seq"] + 1) if last else 1,
            created_at=timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_label=(getattr(actor, "email", "") or "system") if actor is not None else "system",
            event=event,
            object_type=type(obj).__name__ if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            payload=json.loads(json.dumps(payload or {}, default=str)),
            prev_hash=last["hash"] if last else GENESIS,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
    return entry


@dataclass
class ChainReport:
    entries: int
    broken_at: int | None  # seq of the first entry whose hash or link does not match
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_verify(*, firm_id: int) -> ChainReport:
    prev, count, expected_seq = GENESIS, 0, 1
    for entry in AuditEntry.objects.filter(firm_id=firm_id).order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(count, entry.seq, f"sequence gap: expected {expected_seq}")
        if entry.prev_hash != prev:
            return ChainReport(count, entry.seq, "link to the previous entry does not match")
        if entry_hash(entry) != entry.hash:
            return ChainReport(count, entry.seq, "content does not match its hash")
        prev, expected_seq = entry.hash, expected_seq + 1
    return ChainReport(count, None)
