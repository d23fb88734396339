"""A re-scan after a book import: the accounts the import changed (with the rest of their
households, whose wash-sale facts they share), or the whole firm when a file moved every
account's drift (securities, prices, models, drift rules). The same scan as the beat's
(scan._scan: snapshots, proposals, harvests) under the firm's proposal lock, with the day's
snapshots of those accounts written again. It records no ScanRun: the beat's own run of the
day still happens. Audited when asked for and when done."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from core.pgcopy import frame_from_sql
from firms.services.audit import audit_record
from portfolios.calc.market_calendar import latest_completed_session
from portfolios.selectors import household_group_sql, latest_price_date

from .proposals import lock_firm_proposals
from .rules import drift_rules_ensure_defaults
from .scan import _scan

_HOUSEHOLD_MATES_SQL = f"""
SELECT a.id AS account_id FROM portfolios_account a
JOIN portfolios_client c ON c.id = a.client_id
WHERE a.firm_id = %(f)s AND {household_group_sql("c")} IN (
  SELECT {household_group_sql("c2")} FROM portfolios_account a2
  JOIN portfolios_client c2 ON c2.id = a2.client_id
  WHERE a2.firm_id = %(f)s AND a2.id = ANY(%(ids)s::bigint[])
)
ORDER BY a.id
"""


def rescan_date() -> date:
    """The latest completed NYSE session, or the book's latest close if that is older (a book
    imported with last week's prices is scanned as of its prices, not marked stale)."""
    session = latest_completed_session(timezone.now())
    prices = latest_price_date()
    return min(session, prices) if prices else session


def households_of(firm_id: int, account_ids: list[int]) -> list[int]:
    if not account_ids:
        return []
    frame = frame_from_sql(
        _HOUSEHOLD_MATES_SQL,
        {"f": firm_id, "ids": list(map(int, account_ids))},
        dtype={"account_id": "int64"},
    )
    return frame["account_id"].tolist()


def rescan_request(*, firm_id: int, import_run, actor=None) -> dict:
    """What a re-scan after `import_run` covers, audited: {"as_of", "account_ids" (None: the
    whole firm)}. The caller enqueues drift.tasks.drift_rescan with it."""
    ids = None if import_run.changes_firm_wide else list(import_run.changed_account_ids)
    as_of = rescan_date()
    audit_record(
        firm_id=firm_id,
        event="drift.rescan_requested",
        actor=actor,
        obj=import_run,
        payload={
            "as_of": as_of.isoformat(),
            "scope": "firm" if ids is None else "accounts",
            "accounts": len(ids) if ids is not None else None,
        },
    )
    return {"as_of": as_of.isoformat(), "account_ids": ids}


def drift_rescan(*, firm_id: int, as_of: date, account_ids: list[int] | None) -> dict:
    """Scan `account_ids` (their households; None: every account) at `as_of` again."""
    drift_rules_ensure_defaults(firm_id=firm_id)
    with transaction.atomic():
        lock_firm_proposals(firm_id)
        ids = None if account_ids is None else households_of(firm_id, account_ids)
        if ids == []:
            counts = {"accounts": 0}
        else:
            counts = _scan(firm_id, as_of, lambda _m: None, True, account_ids=ids, replace=True)
        audit_record(
            firm_id=firm_id,
            event="drift.rescan_done",
            payload={
                "as_of": as_of.isoformat(),
                "scope": "firm" if account_ids is None else "accounts",
                **{k: v for k, v in counts.items() if not isinstance(v, dict)},
            },
        )
    return counts
