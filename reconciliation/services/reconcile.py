"""reconcile_file: a custodian's positions file of a day against the book, the differences
kept as breaks (one open break per account, kind and symbol: a later file updates it, and
clears the open breaks it no longer shows). All or nothing, recorded and audited either way.

    result = reconcile_file(firm=firm, custodian_code="schwab", as_of=day, source=upload,
                            actor=membership, origin="web")
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django_scopes import get_scope

from core import locks
from core.formatting import day
from firms.services.audit import audit_record
from portfolios.importer.result import ErrorLog, RowError
from portfolios.importer.validate import market_today
from portfolios.models import Custodian, Transaction

from ..models import ReconciliationBreak, ReconciliationRun
from ..signals import breaks_found
from .compare import FOUND_TABLE, differences_drop, differences_find
from .positions_file import KIND, positions_read

FILE = f"{KIND}.csv"
UPLOAD = "upload"

_KEY = "b.account_number = f.account_number AND b.kind = f.kind AND b.symbol = f.symbol"
_FIELDS = (
    "line = f.line, account_id = f.account_id, security_id = f.security_id, "
    "book_quantity = f.book_quantity, custodian_quantity = f.custodian_quantity, "
    "quantity_difference = f.quantity_difference, price = f.price, market_value = f.market_value"
)
_UPDATE_SQL = f"""
UPDATE reconciliation_reconciliationbreak b SET run_id = %(run)s, as_of = %(d)s, {_FIELDS}
FROM {FOUND_TABLE} f
WHERE b.firm_id = %(f)s AND b.custodian_id = %(c)s AND b.status = 'open' AND {_KEY}
"""
_CLEAR_SQL = f"""
UPDATE reconciliation_reconciliationbreak b
SET status = 'cleared', resolved_at = now(), resolution = %(why)s
WHERE b.firm_id = %(f)s AND b.custodian_id = %(c)s AND b.status = 'open'
  AND NOT EXISTS (SELECT 1 FROM {FOUND_TABLE} f WHERE {_KEY})
RETURNING b.id
"""
_INSERT_SQL = f"""
INSERT INTO reconciliation_reconciliationbreak (firm_id, run_id, custodian_id, as_of, first_seen,
  kind, account_id, account_number, security_id, symbol, line, book_quantity, custodian_quantity,
  quantity_difference, price, market_value, status, resolution, created_at)
SELECT %(f)s, %(run)s, %(c)s, %(d)s, %(d)s, f.kind, f.account_id, f.account_number,
  f.security_id, f.symbol, f.line, f.book_quantity, f.custodian_quantity, f.quantity_difference,
  f.price, f.market_value, 'open', '', now()
FROM {FOUND_TABLE} f
WHERE NOT EXISTS (SELECT 1 FROM reconciliation_reconciliationbreak b
                  WHERE b.firm_id = %(f)s AND b.custodian_id = %(c)s AND b.status = 'open'
                    AND {_KEY})
"""
_KINDS_SQL = f"SELECT kind, count(*), count(DISTINCT account_number) FROM {FOUND_TABLE} GROUP BY 1"


@dataclass
class ReconcileResult:
    ok: bool
    run: ReconciliationRun
    counts: dict = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    @property
    def errors_hidden(self) -> int:
        return self.error_count - len(self.errors)


def reconcile_file(
    *,
    firm,
    custodian_code: str,
    as_of: date | None,
    source,
    actor=None,
    origin: str,
    file_name: str = "",
) -> ReconcileResult:
    """Compare `source` (an upload, bytes or a path) with the book of `firm`'s accounts at the
    custodian coded `custodian_code`, as of `as_of`'s close. Call inside firm_scope(firm);
    `actor` is the Membership doing it (None: a task)."""
    if get_scope().get("firm") != firm.pk:
        raise RuntimeError("reconcile_file must run inside firm_scope(firm)")
    log = ErrorLog()
    custodian = _custodian(custodian_code, log)
    _check_day(custodian, as_of, log)
    rows = positions_read(source, log) if source is not None else None
    if source is None:
        missing = f"the file {file_name} was not found" if file_name else "no file given"
        log.add(FILE, None, "", f"{missing}: upload the custodian's positions file")
    counts: dict = {}
    run = None
    if not log:
        with transaction.atomic():
            # The book must not change under the comparison (an import, an accepted break).
            locks.xact_lock(locks.BOOK_IMPORT, firm.pk)
            run = ReconciliationRun.objects.create(
                firm=firm,
                custodian=custodian,
                as_of=as_of,
                created_by=actor,
                source=origin,
                file_name=file_name[:200],
                ok=True,
            )
            counts = _breaks_write(firm.pk, custodian, as_of, run, rows)
            run.counts = counts
            run.save(update_fields=["counts"])
            audit_record(
                firm_id=firm.pk,
                event="reconciliation.run",
                actor=actor.user if actor else None,
                obj=run,
                payload={
                    "custodian": custodian.code,
                    "as_of": as_of.isoformat(),
                    "source": origin,
                    "file": file_name,
                    **counts,
                },
            )
    else:
        run = _refused(firm, custodian, as_of, actor, origin, file_name, log)
    return ReconcileResult(
        ok=not log,
        run=run,
        counts=counts,
        errors=log.sorted((UPLOAD, KIND)),
        error_count=log.total,
    )


def _custodian(code: str, log: ErrorLog) -> Custodian | None:
    code = (code or "").strip().lower()
    custodian = Custodian.objects.filter(code__iexact=code).first() if code else None
    if custodian is None:
        known = ", ".join(sorted(Custodian.objects.values_list("code", flat=True))) or "none yet"
        what = f'unknown custodian "{code}"' if code else "choose the custodian of the file"
        log.add(UPLOAD, None, "custodian", f"{what} (the firm's custodians: {known})")
    return custodian


def _check_day(custodian: Custodian | None, as_of: date | None, log: ErrorLog) -> None:
    """The day is given, not in the future, not before the custodian's last reconciled day, and
    not before a fill the book already holds (the book keeps no earlier state to compare)."""
    if as_of is None:
        log.add(UPLOAD, None, "as_of", "a date is required (YYYY-MM-DD): the file's day")
        return
    today = market_today()
    if as_of > today:
        log.add(UPLOAD, None, "as_of", f"{as_of} is in the future (today is {today})")
        return
    if custodian is None:
        return
    last = (
        ReconciliationRun.objects.filter(custodian=custodian, ok=True)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )
    if last is not None and as_of < last:
        log.add(
            UPLOAD,
            None,
            "as_of",
            f"{custodian.code}'s file of {last} is reconciled already; "
            f"a file of an earlier day ({as_of}) cannot be compared with today's book",
        )
        return
    later = (
        Transaction.objects.filter(
            account__custodian=custodian, imported_at__isnull=True, date__gt=as_of
        )
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    if later is not None:
        log.add(
            UPLOAD,
            None,
            "as_of",
            f"the book already holds fills of {later}, after {as_of}: reconcile the file "
            f"of {later} or later (each day's file before the next day's batch)",
        )


def _breaks_write(firm_id: int, custodian: Custodian, as_of: date, run, rows) -> dict:
    params = {"f": firm_id, "c": custodian.pk, "d": as_of, "run": run.pk}
    differences_find(firm_id=firm_id, custodian_id=custodian.pk, as_of=as_of, rows=rows)
    with connection.cursor() as cur:
        cur.execute(_KINDS_SQL)
        kinds = {kind: (n, accounts) for kind, n, accounts in cur.fetchall()}
        cur.execute(_UPDATE_SQL, params)
        updated = cur.rowcount
        why = f"not a difference in {custodian.name}'s file of {day(as_of)}"
        cur.execute(_CLEAR_SQL, {**params, "why": why})
        cleared = [row[0] for row in cur.fetchall()]
        cur.execute(_INSERT_SQL + " RETURNING id", params)
        added = [row[0] for row in cur.fetchall()]
        cur.execute(f"SELECT count(DISTINCT account_number) FROM {FOUND_TABLE}")
        accounts = cur.fetchone()[0]
    differences_drop()
    if added:
        _webhook_emit(firm_id, custodian, as_of, run, added)
        transaction.on_commit(
            lambda: breaks_found.send(
                sender=ReconciliationRun, firm_id=firm_id, run_id=run.pk, break_ids=added
            )
        )
    return {
        "rows": len(rows),
        "accounts_in_file": int(rows["account_number"].nunique()),
        "breaks": sum(n for n, _ in kinds.values()),
        "accounts_with_breaks": accounts,
        "by_kind": {kind: n for kind, (n, _) in sorted(kinds.items())},
        "new": len(added),
        "still_open": updated,
        "cleared": len(cleared),
        "cleared_ids": cleared[:200],
    }


def _webhook_emit(firm_id: int, custodian: Custodian, as_of: date, run, added: list[int]) -> None:
    """One `reconciliation.break` event per run that found new breaks, in the run's transaction
    (the webhooks outbox): each new break's account, kind, security and size."""
    from webhooks.choices import EventType
    from webhooks.services.emit import webhook_emit

    fields = ("id", "account_number", "kind", "symbol", "quantity_difference", "market_value")
    breaks = ReconciliationBreak.objects.filter(pk__in=added).order_by("id").values_list(*fields)
    webhook_emit(
        firm_id=firm_id,
        event_type=EventType.RECONCILIATION_BREAK,
        key=f"run:{run.pk}",
        data={
            "run_id": run.pk,
            "custodian": custodian.code,
            "as_of": as_of.isoformat(),
            "breaks": [
                {
                    "break_id": pk,
                    "account_number": number,
                    "kind": kind,
                    "symbol": symbol,
                    "quantity_difference": str(qty),
                    "market_value": None if value is None else str(value),
                }
                for pk, number, kind, symbol, qty, value in breaks
            ],
        },
    )


def _refused(firm, custodian, as_of, actor, origin, file_name, log: ErrorLog):
    errors = [e.as_dict() for e in log.sorted((UPLOAD, KIND))]
    run = ReconciliationRun.objects.create(
        firm=firm,
        custodian=custodian,
        as_of=as_of,
        created_by=actor,
        source=origin,
        file_name=file_name[:200],
        ok=False,
        errors=errors,
        counts={"error_count": log.total},
    )
    audit_record(
        firm_id=firm.pk,
        event="reconciliation.refused",
        actor=actor.user if actor else None,
        obj=run,
        payload={
            "custodian": custodian.code if custodian else None,
            "as_of": as_of.isoformat() if as_of else None,
            "source": origin,
            "file": file_name,
            "error_count": log.total,
        },
    )
    return run
