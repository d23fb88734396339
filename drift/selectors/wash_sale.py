"""The household facts the wash-sale window (drift.calc.wash_sale) is judged on: purchases and
loss sales of every account of a client's group, from the history and from open proposals."""

from datetime import date

import pandas as pd

from core.pgcopy import frame_from_sql
from portfolios.selectors import household_group_sql

from ..calc.wash_sale import trade_dates
from ..choices import OPEN_STATUSES

# Household facts: the purchases and loss sales of every account of a client's group (its
# household if it has one, else the client alone; IRAs and Roths included), from the
# transaction history and from every open proposal (dated by their own trade date). A history
# sell whose gain is unknown (imported without realized_gain or cost_basis) is a possible loss.

# A history sell's loss (0 for a gain, NULL when the gain is unknown) and whether it is unknown.
# (PostgreSQL's LEAST skips NULLs, so the unknown case is spelled out.)
HISTORY_LOSS_SQL = """CASE WHEN tx.side <> 'sell' THEN 0 WHEN tx.realized_gain IS NULL THEN NULL
       ELSE LEAST(tx.realized_gain, 0) END"""
# A proposed sell's loss: the sum of its loss lots (a sale can mix gain and loss lots).
TRADE_LOSS_SQL = """CASE WHEN t.side <> 'sell' THEN 0.0
       WHEN jsonb_array_length(t.lots) > 0 THEN (
         SELECT COALESCE(SUM(LEAST((l->>'gain')::numeric, 0)), 0)
         FROM jsonb_array_elements(t.lots) l)
       ELSE LEAST(t.realised_st + t.realised_lt, 0) END"""

_EVENTS_SQL = f"""
WITH grp AS (SELECT a.id AS account_id, a.number AS account_number, {household_group_sql()} AS g
             FROM portfolios_account a JOIN portfolios_client c ON c.id = a.client_id
             WHERE a.firm_id = %(f)s),
target AS (SELECT account_id, g FROM grp WHERE account_id = ANY(%(ids)s::bigint[])),
ev AS (
  SELECT tx.account_id, tx.security_id, tx.side, tx.date AS date, NULL::bigint AS proposal_id,
    ({HISTORY_LOSS_SQL})::float8 AS loss, 'history' AS source
  FROM portfolios_transaction tx
  WHERE tx.firm_id = %(f)s AND tx.date BETWEEN %(lo)s AND %(hi)s
  UNION ALL
  SELECT p.account_id, t.security_id, t.side, p.as_of AS date, p.id AS proposal_id,
    ({TRADE_LOSS_SQL})::float8 AS loss, 'proposal'
  FROM drift_proposaltrade t JOIN drift_proposal p ON p.id = t.proposal_id
  WHERE t.firm_id = %(f)s AND p.status = ANY(%(open)s)
)
SELECT target.account_id, ev.account_id AS event_account_id, grp.account_number AS event_account,
  ev.security_id, ev.side,
  ev.date, ev.proposal_id, ev.loss, ev.source
FROM ev JOIN grp ON grp.account_id = ev.account_id JOIN target ON target.g = grp.g
"""
EVENT_COLUMNS = [
    "account_id",
    "event_account_id",
    "event_account",
    "security_id",
    "side",
    "date",
    "proposal_id",
    "loss",
    "source",
    "gain_unknown",
]


def household_events(firm_id: int, account_ids, lo: date, hi: date) -> pd.DataFrame:
    """Every purchase and loss sale (or sale of unknown gain) in each account's group between
    `lo` and `hi` (open proposals at their trade date), one row per (account asked about,
    event): account_id, event_account_id, event_account (number), security_id, side, date
    (timestamp), proposal_id (NA for history), loss (≤ 0), source, gain_unknown. One query."""
    frame = frame_from_sql(
        _EVENTS_SQL,
        {
            "f": firm_id,
            "ids": list(map(int, account_ids)),
            "lo": lo,
            "hi": hi,
            "open": sorted(OPEN_STATUSES),
        },
        dtype={
            "account_id": "int64",
            "event_account_id": "int64",
            "security_id": "int64",
            "proposal_id": "Int64",
            "loss": "float64",
        },
    )
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in EVENT_COLUMNS}).astype(
            {
                "account_id": "int64",
                "event_account_id": "int64",
                "security_id": "int64",
                "loss": "float64",
                "gain_unknown": "bool",
            }
        )
    frame["date"] = pd.to_datetime(frame["date"])
    proposed = frame["source"] == "proposal"
    frame["date"] = frame["date"].where(~proposed, trade_dates(frame["date"]))
    frame["gain_unknown"] = (frame["side"] == "sell") & frame["loss"].isna()
    frame = frame[(frame["date"] >= pd.Timestamp(lo)) & (frame["date"] <= pd.Timestamp(hi))]
    frame = frame[(frame["side"] == "buy") | frame["gain_unknown"] | (frame["loss"] < -0.005)]
    return frame[EVENT_COLUMNS].reset_index(drop=True)


_GROUPS_SQL = f"""SELECT a.id AS account_id, a.number, {household_group_sql()} AS grp
FROM portfolios_account a JOIN portfolios_client c ON c.id = a.client_id
WHERE a.firm_id = %(f)s AND a.id = ANY(%(ids)s::bigint[])"""


def account_groups(firm_id: int, account_ids) -> pd.DataFrame:
    """Indexed by account_id: grp (the wash-sale group key of its client), number."""
    frame = frame_from_sql(
        _GROUPS_SQL,
        {"f": firm_id, "ids": list(map(int, account_ids))},
        dtype={"account_id": "int64"},
    )
    return frame.set_index("account_id")[["grp", "number"]]
