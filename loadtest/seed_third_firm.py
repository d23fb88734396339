"""Load-test only: a third firm seeded by the demo's own book seeder (staff of every role,
client logins client1..5@cedar.demo, password demo-pass-2026), so the load comes from 3 firms.
Idempotent like seed_demo. Run inside the load database: `python loadtest/seed_third_firm.py`."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rebalance_site.settings")

import django  # noqa: E402

django.setup()

from portfolios.services.demo import demo_as_of, firm_seed_once  # noqa: E402
from portfolios.services.demo_catalogue import DemoFirm  # noqa: E402

THIRD = DemoFirm("Cedar Lane Partners", "cedar", 37)

if __name__ == "__main__":
    accounts = int(os.environ.get("LOADTEST_THIRD_FIRM_ACCOUNTS", "120"))
    result = firm_seed_once(THIRD, accounts, 730, demo_as_of(), print)
    print(f"{result.name}: {'seeded' if result.created else 'already present'}")
