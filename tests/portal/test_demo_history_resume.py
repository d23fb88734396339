"""The demo's history commits session by session: a run that stopped halfway (a crash, a
killed `make demo`) leaves whole sessions, and the next run lives only the ones left."""

from datetime import date

from drift.models import ScanRun
from firms.models import Membership
from firms.services.tenancy import firm_scope
from portal.services.demo_history import demo_history_days, demo_history_once, demo_history_run
from portfolios.services.demo import FIRMS, demo_firm_find, demo_seed

AS_OF = date(2025, 12, 15)
SESSIONS = 4


def _live(spec, firm):
    return demo_history_once(
        firm=firm,
        sessions=SESSIONS,
        seed=spec.seed,
        expiry_policy=spec.expiry_policy,
        log=lambda line: None,
    )


def test_a_history_stopped_halfway_is_taken_up_where_it_stopped(db):
    demo_seed(accounts_per_firm=12, history_days=30, as_of=AS_OF)
    spec = FIRMS[0]
    firm = demo_firm_find(spec.slug)
    with firm_scope(firm):
        days = demo_history_days(sessions=SESSIONS)
        assert len(days) == SESSIONS and days[-1] == AS_OF
        staff = {m.user.email.split("@")[0]: m for m in Membership.objects.select_related("user")}
        demo_history_run(firm=firm, staff=staff, days=days[:2], seed=spec.seed, log=lambda _: None)
        assert demo_history_days(sessions=SESSIONS) == days[2:]
        assert _live(spec, firm) is not None
        assert sorted(set(ScanRun.objects.values_list("as_of", flat=True))) == days
        assert demo_history_days(sessions=SESSIONS) == []
        assert _live(spec, firm) is None
