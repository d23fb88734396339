"""A custodian adapter for tests that takes seconds over each submission: the simulated
custodian (its own book, its duplicate refusal, its fills), slowed after it has the orders.
Registered by name through settings.TRADING_ADAPTERS, as a deployment registers its own."""

import time

from trading.adapters.simulated import SimulatedAdapter

NAME = "slow_test"
PATH = "tests.trading.slow_custodian.SlowCustodianAdapter"


class SlowCustodianAdapter(SimulatedAdapter):
    delay_s = 1.5

    def submit(self, tickets):
        acks = super().submit(tickets)  # committed: the custodian holds the orders
        time.sleep(self.delay_s)  # ... and takes its time to acknowledge them
        return acks
