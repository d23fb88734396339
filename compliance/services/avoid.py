"""Wash sales avoided up front: for the rebalancer, the buys that would wash a recent loss
sale in the client's group, each with its best substitute (registered as a drift provider)."""
from datetime import date, timedelta

import pandas as pd

from drift.pgcopy import frame_from_sql

from ..choices import RuleKind
from ..models import ComplianceRule
from ..selectors import GROUP_SQL, pairs_frame, substitutes_frame

_LOSS_SALES_SQL = f"""
WITH target AS (SELECT a.id AS account_id, {GROUP_SQL} AS grp FROM portfolios_account a JOIN portfolios_client c ON c.id = a.client_id
                WHERE a.firm_id = %(f)s AND a.id = ANY(%(ids)s::bigint[])),
acc AS (SELECT a.id, {GROUP_SQL} AS grp FROM portfolios_account a JOIN portfolios_client c ON c.id = a.client_id
        WHERE a.firm_id = %(f)s AND {GROUP_SQL} IN (SELECT grp FROM target))
SELECT DISTINCT target.account_id, tx.security_id AS sold_id
FROM portfolios_transaction tx JOIN acc ON acc.id = tx.account_id JOIN target ON target.grp = acc.grp
WHERE tx.firm_id = %(f)s AND tx.side = 'sell' AND tx.realized_gain < 0 AND tx.date BETWEEN %(lo)s AND %(d)s
"""
EMPTY = pd.DataFrame(columns=["account_id", "security_id", "substitute_id"], dtype="int64")


def wash_sale_buy_substitutes(*, firm_id: int, account_ids: list[int], as_of: date) -> pd.DataFrame:
    """account_id, security_id (a buy that would wash), substitute_id (not identical to any
    security the group sold at a loss in the window)."""
    rule = ComplianceRule.objects.filter(kind=RuleKind.WASH_SALE).first()
    if rule is not None and not rule.enabled:
        return EMPTY  # the firm switched the rule off
    window = rule.params.get("window_days", 30) if rule else 30
    sold = frame_from_sql(_LOSS_SALES_SQL, {"f": firm_id, "ids": list(map(int, account_ids)), "d": as_of, "lo": as_of - timedelta(days=window)},
                          dtype={"account_id": "int64", "sold_id": "int64"})
    subs = substitutes_frame()
    if sold.empty or subs.empty:
        return EMPTY
    washing = sold.merge(pairs_frame(), left_on="sold_id", right_on="security_id")[["account_id", "same_id"]].drop_duplicates()
    washing = washing.rename(columns={"same_id": "security_id"})
    cand = washing.merge(subs, on="security_id")
    bad = washing.rename(columns={"security_id": "substitute_id"}).assign(bad=True)
    cand = cand.merge(bad, on=["account_id", "substitute_id"], how="left")
    cand = cand[cand["bad"].isna()].sort_values("rank").drop_duplicates(["account_id", "security_id"])
    return cand[["account_id", "security_id", "substitute_id"]].astype("int64")
