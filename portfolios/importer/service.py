"""book_import: read every file, check every row, then write all of it or none of it."""

import logging

from django.db import transaction
from django_scopes import get_scope

from firms.services.audit import audit_record

from ..models import Account, ImportRun, Transaction
from ..signals import transactions_imported
from .advisers import adviser_changes, adviser_changes_audit, adviser_changes_refuse
from .formats import all_kinds, file_name
from .readers import read_sheet
from .result import ErrorLog, ImportResult
from .sheet import Sheet
from .validate import market_today, validate_all
from .write import WriteRefused, unknown_gain_sells, write_book

logger = logging.getLogger(__name__)


def book_import(*, firm, files: dict, actor=None, source: str, on_progress=None) -> ImportResult:
    """Import the CSV `files` ({kind: upload, bytes or path}) into `firm`'s book.

    All-or-nothing: any problem in any file means nothing of the book is written, and the
    result lists every problem by file, line and column. Either way the attempt is recorded
    (ImportRun and the audit trail). Call inside `firm_scope(firm)`; `actor` is the
    Membership doing it (None for the command line).
    """
    _require_scope(firm)
    say = on_progress or (lambda message: None)
    log = ErrorLog()
    try:
        sheets = read_all(files, log, say)
        validate_all(sheets, market_today())
    except Exception as exc:  # a reading/checking bug must still leave a refused, recorded run
        logger.exception("book import: checking the files failed")
        log.add(
            "upload",
            None,
            "",
            f"the files could not be checked ({type(exc).__name__}); nothing was written",
        )
        sheets = {}
    changes = adviser_changes(sheets["accounts"]) if "accounts" in sheets and not log else []
    adviser_changes_refuse(changes, actor, log, file_name("accounts"))
    say(f"checked {len(sheets)} file(s): {log.total or 'no'} problem(s)")
    counts, unknown, changed = {}, 0, ([], False)
    if not log:
        frames = {kind: sheet.frame() for kind, sheet in sheets.items()}
        unknown = unknown_gain_sells(frames["transactions"]) if "transactions" in frames else 0
        try:
            with transaction.atomic():  # the book and its adviser changes' audit entries together
                counts = write_book(firm.pk, frames, say)
                changed = changed_accounts(frames)
                adviser_changes_audit(firm_id=firm.pk, changes=changes, actor=actor, source=source)
                if "transactions" in frames:
                    _announce_transactions(firm.pk, frames["transactions"])
        except WriteRefused as refused:
            log.add(refused.file, None, "", str(refused))
    result = ImportResult(
        ok=not log,
        counts=counts,
        errors=log.sorted(all_kinds()),
        error_count=log.total,
        ignored_columns=dict(log.ignored),
        unknown_gain_sells=unknown if not log else 0,
        changed_account_ids=changed[0] if not log else [],
        changes_firm_wide=changed[1] if not log else False,
    )
    result.run_id = record_run(firm, result, actor=actor, source=source, files=sorted(files)).pk
    return result


# Files that move the drift of accounts they do not name: a re-scan after them is firm-wide.
FIRM_WIDE_KINDS = frozenset({"securities", "prices", "models", "drift_rules"})


def changed_accounts(frames: dict) -> tuple[list[int], bool]:
    """(ids of the accounts the files name, whether the change reaches every account); no ids
    when it does (a re-scan then covers the firm: 100,000 ids would be stored for nothing)."""
    if FIRM_WIDE_KINDS & set(frames):
        return [], True
    numbers: set[str] = set()
    for frame in frames.values():
        if "account_number" in frame:
            numbers.update(frame["account_number"])
    ids = Account.objects.filter(number__in=sorted(numbers)).values_list("id", flat=True)
    return sorted(ids), False


def _announce_transactions(firm_id: int, frame) -> None:
    """Once the book commits, tell later stages whose history grew (compliance re-checks)."""
    numbers = list(frame["account_number"].unique())
    ids = list(Account.objects.filter(number__in=numbers).values_list("id", flat=True))
    transaction.on_commit(
        lambda: transactions_imported.send(sender=Transaction, firm_id=firm_id, account_ids=ids)
    )


def _require_scope(firm) -> None:
    if get_scope().get("firm") != firm.pk:
        raise RuntimeError(
            "book_import must run inside firm_scope(firm) of the firm it imports into"
        )


def read_all(files: dict, log: ErrorLog, say) -> dict[str, Sheet]:
    sheets = {}
    if not files:
        log.add(
            "upload",
            None,
            "",
            f"no files given; upload at least one of {', '.join(map(file_name, all_kinds()))}",
        )
    for kind, source in files.items():
        if kind not in all_kinds():
            log.add(
                file_name(kind),
                None,
                "",
                f"unknown kind of file; expected one of {', '.join(all_kinds())}",
            )
            continue
        sheet = read_sheet(kind, source, log)
        if sheet is not None:
            sheets[kind] = sheet
            say(f"read {sheet.file}: {len(sheet):,} rows")
    return sheets


def record_run(firm, result: ImportResult, *, actor, source: str, files: list[str]) -> ImportRun:
    """Log the attempt, outside the book's transaction so that a refused import is kept too."""
    run = ImportRun.objects.create(
        firm=firm,
        created_by=actor,
        source=source,
        ok=result.ok,
        counts=result.counts,
        errors=[error.as_dict() for error in result.errors],
        changed_account_ids=result.changed_account_ids,
        changes_firm_wide=result.changes_firm_wide,
    )
    if result.ok:
        event, payload = "book.import", {"source": source, "counts": result.counts}
    else:
        event, payload = (
            "book.import_refused",
            {"source": source, "files": files, "error_count": result.error_count},
        )
    audit_record(
        firm_id=firm.pk, event=event, actor=actor.user if actor else None, obj=run, payload=payload
    )
    return run
