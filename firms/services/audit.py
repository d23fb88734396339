"""Writing and verifying the hash-chained audit log.

Each entry's hash is an HMAC-SHA256 keyed with settings.AUDIT_HMAC_KEY, a key
the database does not hold, so whoever can rewrite the rows (the owner's login) cannot
recompute a chain that verifies. Entries written before that change (version 1) keep their
plain SHA-256 and still verify, but only up to the head sealed for the firm when the keyed
hash arrived (firms migration 0005 publishes it: the cut-over seq): a version-1 entry past the
firm's first published head, or in a chain with no head at all, is a break — so the owner
cannot "downgrade" keyed entries to a plain SHA-256 chain they can recompute. Dropping the tail
or truncating is caught against the signed heads published outside the database
(audit_head_publish below)."""

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core import locks
from firms.models import AuditEntry, AuditHead

GENESIS = "0" * 64
VERSION_SHA256, VERSION_HMAC = 1, 2  # AuditEntry.version


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


def audit_key() -> bytes:
    return settings.AUDIT_HMAC_KEY.encode()


def entry_hash(entry: AuditEntry) -> str:
    message = (entry.prev_hash + _canonical(entry)).encode()
    if entry.version == VERSION_SHA256:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(audit_key(), message, hashlib.sha256).hexdigest()


def audit_record(
    *, firm_id: int, event: str, actor=None, obj=None, payload: dict | None = None
) -> AuditEntry:
    """Append one entry to the firm's chain. Inserts are serialised per firm by an advisory
    lock held to the end of the transaction, so concurrent writers cannot fork the chain."""
    with transaction.atomic():
        locks.xact_lock(locks.AUDIT_CHAIN, firm_id)
        last = (
            AuditEntry.objects.filter(firm_id=firm_id)
            .order_by("-seq")
            .values("seq", "hash")
            .first()
        )
        entry = AuditEntry(
            firm_id=firm_id,
            seq=(last["seq"] + 1) if last else 1,
            created_at=timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_label=(getattr(actor, "email", "") or "system")
            if actor is not None
            else "system",
            event=event,
            object_type=type(obj).__name__ if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            payload=json.loads(json.dumps(payload or {}, default=str)),
            prev_hash=last["hash"] if last else GENESIS,
            version=VERSION_HMAC,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
    return entry


def save_audited(obj, *, created: str, changed: str, actor=None, payload: dict):
    """Save a firm's settings row (a rule, a tier, a custodian) and record it in the audit
    chain in the same transaction: event `created` for a new row, `changed` otherwise."""
    new = obj.pk is None
    with transaction.atomic():
        obj.save()
        audit_record(
            firm_id=obj.firm_id,
            event=created if new else changed,
            actor=actor,
            obj=obj,
            payload=payload,
        )
    return obj


@dataclass
class ChainReport:
    entries: int
    broken_at: int | None  # seq of the first entry whose hash or link does not match
    reason: str = ""
    heads: int = 0  # published heads the chain was checked against

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_verify(*, firm_id: int) -> ChainReport:
    """The chain from seq 1: contiguous, linked, each hash right for its version (no
    version-1 entry after the first version-2 one), then checked against every head published
    for the firm (firms.services.audit): the published entry still there with the same hash, and
    no fewer entries than the head counted. Runs in the firm's scope."""
    from firms.services.audit import heads_check, heads_published

    heads = heads_published(firm_id=firm_id)
    wanted = {h["seq"] for h in heads}
    legacy_until = heads[0]["seq"] if heads else 0  # the cut-over: unkeyed entries end here
    prev, count, expected_seq, keyed = GENESIS, 0, 1, False
    hashes: dict[int, str] = {}  # of the published seqs only
    for entry in (
        AuditEntry.objects.filter(firm_id=firm_id).order_by("seq").iterator(chunk_size=2000)
    ):
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(count, entry.seq, f"sequence gap: expected {expected_seq}")
        if entry.prev_hash != prev:
            return ChainReport(count, entry.seq, "link to the previous entry does not match")
        if entry.version == VERSION_SHA256 and (keyed or entry.seq > legacy_until):
            return ChainReport(
                count, entry.seq, "unkeyed (version 1) entry after the chain's cut-over to HMAC"
            )
        if entry.version not in (VERSION_SHA256, VERSION_HMAC):
            return ChainReport(count, entry.seq, f"unknown hash version {entry.version}")
        if not hmac.compare_digest(entry_hash(entry), entry.hash):
            return ChainReport(count, entry.seq, "content does not match its hash")
        keyed = keyed or entry.version == VERSION_HMAC
        if entry.seq in wanted:
            hashes[entry.seq] = entry.hash
        prev, expected_seq = entry.hash, expected_seq + 1
    problem = heads_check(firm_id=firm_id, heads=heads, count=count, hashes=hashes)
    if problem is not None:
        return ChainReport(count, problem[0], problem[1], len(heads))
    return ChainReport(count, None, heads=len(heads))


# Signed heads of each firm's audit chain, published outside the rows they vouch for.
#
# A head is (firm, seq, hash, count, published_at) with an HMAC-SHA256 signature under
# settings.AUDIT_HMAC_KEY. The daily beat task publishes one per firm whose chain has grown: a row
# in AuditHead (append-only; a trigger refuses a head below the last one) and a line appended to
# the firm's file under settings.AUDIT_HEAD_DIR; the monthly report and every evidence pack carry
# the latest one too. `audit_verify` then requires the chain to still hold each published entry
# with the same hash, and at least as many entries as each head counted: editing, dropping the
# tail or truncating shows, and so does a head deleted from the table but still in the file.


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
