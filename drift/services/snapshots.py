"""Writing a day's snapshots in bulk (COPY into a temp table, one INSERT … SELECT).

The per-class detail is compact JSON built here, {"us_equity": [current, target, band], …}
in percent: drift and breach follow from it, value from the total. (Building it in
PostgreSQL with jsonb_build_object was 5x slower at 100,000 accounts.)"""
from datetime import date

import numpy as np
import pandas as pd
from django.db import connection, transaction

from ..arithmetic import DriftResult
from ..pgcopy import copy_to_temp_typed

_COLS = {"account_id": "bigint", "total_value": "numeric(18,2)", "portfolio_drift": "numeric(7,3)",
         "max_drift": "numeric(7,3)", "max_drift_class": "varchar(24)", "breached": "boolean",
         "status": "varchar(16)", "status_reason": "varchar(500)", "rule_id": "bigint", "detail": "jsonb"}

_INSERT = """
INSERT INTO drift_driftsnapshot (firm_id, account_id, as_of, total_value, portfolio_drift, max_drift, max_drift_class,
                                 breached, status, status_reason, rule_id, detail, created_at)
SELECT %(f)s, account_id, %(d)s, total_value, portfolio_drift, max_drift, COALESCE(max_drift_class, ''),
       breached, status, COALESCE(status_reason, ''), rule_id, COALESCE(detail, '{{}}'::jsonb), now()
FROM tmp_snapshots
ON CONFLICT (firm_id, account_id, as_of) DO {conflict}
"""
# A re-run leaves good snapshots alone but refreshes one written while a price was missing or stale.
_REFRESH = """UPDATE SET total_value = EXCLUDED.total_value, portfolio_drift = EXCLUDED.portfolio_drift,
  max_drift = EXCLUDED.max_drift, max_drift_class = EXCLUDED.max_drift_class, breached = EXCLUDED.breached,
  status = EXCLUDED.status, status_reason = EXCLUDED.status_reason, rule_id = EXCLUDED.rule_id, detail = EXCLUDED.detail"""


def _fmt(values: pd.Series) -> list[str]:
    return [repr(v) for v in np.round(values.to_numpy(float), 3).tolist()]


def class_detail(classes: pd.DataFrame) -> pd.Series:
    """account_id -> compact JSON text of its classes."""
    c = classes.sort_values("account_id", kind="stable")
    frag = [f'"{a}":[{b},{t},{w}]' for a, b, t, w in
            zip(c["asset_class"].tolist(), _fmt(c["current"]), _fmt(c["target"]), _fmt(c["band"]))]
    acc = c["account_id"].to_numpy()
    starts = np.r_[0, np.flatnonzero(np.diff(acc)) + 1, len(acc)]
    texts = ["{" + ",".join(frag[s:e]) + "}" for s, e in zip(starts[:-1].tolist(), starts[1:].tolist())]
    return pd.Series(texts, index=acc[starts[:-1]] if len(acc) else [], dtype=object)


def snapshots_write(*, firm_id: int, as_of: date, result: DriftResult, rule_ids: pd.Series, replace: bool = False) -> int:
    """Insert one snapshot per account for `as_of`; existing ones are kept unless their prices
    were incomplete (or `replace`, used by a model change). Returns rows written."""
    acc = result.accounts.copy()
    acc["rule_id"] = acc["account_id"].map(rule_ids).astype("Int64")
    for col, places in (("total_value", 2), ("portfolio_drift", 3), ("max_drift", 3)):
        acc[col] = acc[col].round(places)
    acc["detail"] = acc["account_id"].map(class_detail(result.classes))
    conflict = _REFRESH + ("" if replace else " WHERE drift_driftsnapshot.status <> 'ok'")
    with transaction.atomic():
        copy_to_temp_typed("tmp_snapshots", _COLS, acc)
        with connection.cursor() as cur:
            cur.execute(_INSERT.format(conflict=conflict), {"f": firm_id, "d": as_of})
            written = cur.rowcount
            cur.execute("DROP TABLE tmp_snapshots")
    return written
