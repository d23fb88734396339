"""Seed for tests/reliability/test_postgres_restart.py, run as a subprocess against the
embedded PostgreSQL (DATABASE_URL) after `migrate`; prints one JSON line.

Web: firm A (an advisor with a password, a 3-account book) and firm B (a book whose client
names and account numbers are the markers A must never see). Batch: one firm per restart
mode, each with 4 approved proposals (a sell and a buy block at the simulated custodian)."""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rebalance_site.settings")

import django  # noqa: E402

django.setup()

from rebalance_site.celery import app  # noqa: E402

# The scan's follow-up tasks (compliance checks) must not reach the real broker: they name
# firms of a database that is gone once the test ends.
app.conf.broker_url = "memory://"

from firms.choices import Role  # noqa: E402
from firms.services.members import firm_create, member_create  # noqa: E402
from firms.services.tenancy import firm_scope  # noqa: E402
from portfolios import models as pm  # noqa: E402
from tests.factories import make_book  # noqa: E402
from tests.trading.helpers import approved_book  # noqa: E402

PASSWORD = "restart-proof-pass-2026"


def seed(batch_modes: list[str]) -> dict:
    a = firm_create(name="Alpha Restart Advisors", slug="alpha-restart")
    b = firm_create(name="Bravo Hidden Wealth", slug="bravo-hidden")
    with firm_scope(a):
        advisor = member_create(
            firm=a, email="advisor@alpha-restart.test", role=Role.ADVISOR, password=PASSWORD
        )
        make_book(a, accounts=3)
        a_accounts = list(pm.Account.objects.order_by("pk").values_list("pk", "number"))
    with firm_scope(b):
        make_book(b, accounts=3)
        pm.Client.objects.update(name="Bravo Hidden Client")
        b_accounts = list(pm.Account.objects.order_by("pk").values_list("pk", "number"))
    batches = {}
    for mode in batch_modes:
        firm = firm_create(name=f"Batch {mode.title()} Partners", slug=f"batch-{mode}")
        book = approved_book(firm, n=4)
        batches[mode] = {"firm_id": firm.pk, "proposals": book["proposals"]}
    return {
        "a": {
            "id": a.pk,
            "name": a.name,
            "email": advisor.user.email,
            "password": PASSWORD,
            "accounts": [{"id": pk, "number": n} for pk, n in a_accounts],
        },
        "b": {
            "id": b.pk,
            "name": b.name,
            "client": "Bravo Hidden Client",
            "accounts": [{"id": pk, "number": n} for pk, n in b_accounts],
        },
        "batches": batches,
    }


if __name__ == "__main__":
    print(json.dumps(seed(sys.argv[1:])))
