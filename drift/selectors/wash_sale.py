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

# The accounts of the asked accounts' groups, read by key: their clients, then every account of
# those clients and of the households among them (never a group key computed over every account).
_TARGET_CLIENTS_SQL = """SELECT DISTINCT c.id AS client_id, c.household_id
FROM portfolios_account a JOIN portfolios_client c ON c.id = a.client_id AND c.firm_id = a.firm_id
WHERE a.firm_id = %(f)s AND a.id = ANY(%(ids)s::bigint[])"""
_GROUP_ACCOUNTS_SQL = f"""SELECT a.id AS account_id, a.number AS account_number,
  {household_group_sql()} AS grp
FROM portfolios_client c JOIN portfolios_account a ON a.client_id = c.id AND a.firm_id = c.firm_id
WHERE c.firm_id = %(f)s
  AND (c.id = ANY(%(clients)s::bigint[]) OR c.household_id = ANY(%(households)s::bigint[]))"""

# The events of those accounts, by account key: history in the window, and every open proposal.
_EVENTS_SQL = f"""
SELECT tx.account_id AS event_account_id, tx.security_id, tx.side, tx.date AS date,
  NULL::bigint AS proposal_id, ({HISTORY_LOSS_SQL})::float8 AS loss, 'history' AS source
FROM portfolios_transaction tx
WHERE tx.firm_id = %(f)s AND tx.account_id = ANY(%(accounts)s::bigint[])
  AND tx.date BETWEEN %(lo)s AND %(hi)s
UNION ALL
SELECT p.account_id, t.security_id, t.side, p.as_of, p.id, ({TRADE_LOSS_SQL})::float8, 'proposal'
FROM drift_proposal p JOIN drift_proposaltrade t ON t.proposal_id = p.id AND t.firm_id = p.firm_id
WHERE p.firm_id = %(f)s AND p.account_id = ANY(%(accounts)s::bigint[])
  AND p.status = ANY(%(open)s)
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


def group_accounts(
    firm_id: int, account_ids, *, clients: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every account of the groups (drift.selectors: a client's household, else the client) of
    `account_ids`: account_id, account_number, grp. Two reads by key, whatever the firm's size
    (one when the caller passes the accounts' `clients`: client_id, household_id)."""
    ids = list(map(int, account_ids))
    columns = {"account_id": "int64", "account_number": "object", "grp": "object"}
    if not ids:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    if clients is None:
        clients = frame_from_sql(
            _TARGET_CLIENTS_SQL, {"f": firm_id, "ids": ids}, dtype={"household_id": "Int64"}
        )
    households = clients["household_id"].dropna().astype("int64").unique().tolist()
    frame = frame_from_sql(
        _GROUP_ACCOUNTS_SQL,
        {
            "f": firm_id,
            "clients": clients["client_id"].unique().tolist(),
            "households": households,
        },
        dtype={"account_id": "int64"},
    )
    return frame.astype(columns)


def household_events(
    firm_id: int, account_ids, lo: date, hi: date, *, groups: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every purchase and loss sale (or sale of unknown gain) in each account's group between
    `lo` and `hi` (open proposals at their trade date), one row per (account asked about,
    event): account_id, event_account_id, event_account (number), security_id, side, date
    (timestamp), proposal_id (NA for history), loss (≤ 0), source, gain_unknown. `groups`: the
    accounts' group_accounts, if the caller has read them already. Reads by account key only."""
    ids = list(map(int, account_ids))
    groups = group_accounts(firm_id, ids) if groups is None else groups
    events = frame_from_sql(
        _EVENTS_SQL,
        {
            "f": firm_id,
            "accounts": groups["account_id"].tolist(),
            "lo": lo,
            "hi": hi,
            "open": sorted(OPEN_STATUSES),
        },
        dtype={
            "event_account_id": "int64",
            "security_id": "int64",
            "proposal_id": "Int64",
            "loss": "float64",
        },
    )
    members = groups.rename(
        columns={"account_id": "event_account_id", "account_number": "event_account"}
    )
    targets = groups.loc[groups["account_id"].isin(ids), ["account_id", "grp"]]
    frame = events.merge(members, on="event_account_id").merge(targets, on="grp")
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
