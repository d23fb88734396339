"""The scan's harvesting pass: opportunities and due swap-backs in, one harvest frame for the
rebalancer out, then the records once the proposals exist."""

from dataclasses import dataclass

import pandas as pd

from .. import selectors
from ..selectors import ScanInputs
from .harvest import harvest_find, harvest_plan_frame, harvest_record
from .swap_back import swap_backs_find, swap_backs_mark


@dataclass
class HarvestPass:
    firm_id: int
    inputs: ScanInputs
    opps: pd.DataFrame  # every opportunity found today (see drift.harvest)
    swaps: pd.DataFrame  # swap-backs due today
    plan: pd.DataFrame  # what the rebalancer takes (harvests and swap-backs)

    @classmethod
    def run(
        cls, *, firm_id: int, inputs: ScanInputs, skip: set, lots: pd.DataFrame | None = None
    ) -> "HarvestPass":
        prices = selectors.prices_on(firm_id, inputs.as_of)
        opps = harvest_find(firm_id=firm_id, inputs=inputs, prices=prices, lots=lots)
        harvest = harvest_plan_frame(opps, prices, skip)
        # A swap-back waits while the account harvests today (one change of a position at a time).
        swaps = swap_backs_find(
            firm_id=firm_id,
            inputs=inputs,
            prices=prices,
            skip_accounts=skip | set(harvest["account_id"]),
        )
        plan = pd.concat([harvest, swaps.drop(columns="substitution_id")], ignore_index=True)
        plan = plan.astype(
            {
                "account_id": "int64",
                "security_id": "int64",
                "substitute_id": "int64",
                "quantity": "float64",
                "sub_price": "float64",
            }
        )
        return cls(firm_id, inputs, opps, swaps, plan)

    def record(self, sold: pd.DataFrame) -> dict:
        """`sold`: the sells the new proposals wrote (account_id, security_id, proposal_id)."""
        harvests = (
            harvest_record(
                firm_id=self.firm_id,
                as_of=self.inputs.as_of,
                opps=self.opps,
                plan_frame=self.plan,
                sold=sold,
            )
            if not self.opps.empty
            else 0
        )
        return {
            "harvest_opportunities": int((self.opps["skipped"] == "").sum()),
            "harvests": harvests,
            "swap_backs": swap_backs_mark(sold, self.swaps),
        }
