"""The dry run: what the next batch would do, computed exactly as the batch does, nothing
written."""

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from approvals.selectors import approval_settings_get
from compliance.services.guard import proposals_not_routable
from portfolios.calc.market_calendar import (
    NEW_YORK,
    is_trading_day,
    next_trading_day,
    session_close_utc,
)

from ..calc.planning import plan_build
from ..selectors import active_pauses, approved_trades, held_block_list, trading_settings


@dataclass
class Preview:
    trade_date: date
    firm_paused: str
    orders: pd.DataFrame
    blocks: pd.DataFrame
    skipped: list
    reconsent: list
    # Blocks a pause stopped in an earlier run; this batch sends those no pause covers any more.
    held_blocks: list


def next_batch_date(now_utc: datetime) -> date:
    today = now_utc.astimezone(NEW_YORK).date()
    if is_trading_day(today) and now_utc < session_close_utc(today):
        return today
    return next_trading_day(today)


def batch_preview(*, firm_id: int, trade_date: date) -> Preview:
    pauses = active_pauses()
    trades = approved_trades(firm_id=firm_id, day=trade_date)
    plan = plan_build(
        trades,
        settings=trading_settings(firm_id),
        tolerances=approval_settings_get(firm_id=firm_id),
        pauses=pauses,
        not_routable=proposals_not_routable(trades["proposal_id"].unique()) if len(trades) else {},
    )
    return Preview(
        trade_date,
        pauses.firm.reason if pauses.firm else "",
        plan.orders,
        plan.blocks(),
        plan.skipped,
        plan.reconsent,
        list(held_block_list()[:200]),
    )
