"""The account page names the rule that applies (never "none — none") and the
dollar-threshold breach, stored on the snapshot, with its figures."""

from datetime import date
from decimal import Decimal

import pytest

from drift.models import DriftRule, DriftSnapshot
from drift.services.scan import drift_scan_run
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from tests.factories import make_book

DAY = date(2026, 11, 24)
pytestmark = pytest.mark.django_db


def test_a_new_firm_without_rules_sees_the_rule_that_will_apply(firm_a, members_a, login):
    with firm_scope(firm_a):
        b = make_book(firm_a)
        pm.Account.objects.update(segment="high_net_worth")  # no shipped rule of its own
        assert not DriftRule.objects.exists()
    page = (
        login(members_a["advisor"]).get(f"/drift/accounts/{b['accounts'][0].pk}/").content.decode()
    )
    assert "none — none" not in page and "— none" not in page
    assert "Firm default (5 pp)" in page and "firm default" in page


def test_a_dollar_only_breach_is_stored_and_shown_with_its_figures(firm_a, members_a, login):
    with firm_scope(firm_a):
        b = make_book(firm_a)  # 66/34 against 60/40 on $100,000: each class $6,000 off
        pm.Account.objects.update(
            segment="high_net_worth"
        )  # no segment rule: the firm default applies
        DriftRule.objects.create(
            firm=firm_a,
            name="House",
            segment=None,
            threshold_pp=Decimal("20"),
            dollar_threshold=Decimal("5000"),
        )
        drift_scan_run(firm_id=firm_a.pk, as_of=DAY)
        snap = DriftSnapshot.objects.get(account=b["accounts"][0])
        assert (
            snap.breached
            and snap.dollar_off == Decimal("6000.00")
            and snap.dollar_threshold == Decimal("5000.00")
        )
    page = (
        login(members_a["advisor"]).get(f"/drift/accounts/{b['accounts'][0].pk}/").content.decode()
    )
    assert "off by $6,000; threshold $5,000" in page
    assert (
        'House (20.000 pp; dollar threshold $5,000.00) <span class="muted">— firm default' in page
    ), page[page.find("Drift rule") :][:300]


def test_the_account_page_of_another_firm_is_404(firm_a, firm_b, members_a, login):
    with firm_scope(firm_b):
        b = make_book(firm_b)
    assert (
        login(members_a["advisor"]).get(f"/drift/accounts/{b['accounts'][0].pk}/").status_code
        == 404
    )
