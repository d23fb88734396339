"""The demo shows flagged proposals, each with its suggestion, and none that the builder could
have avoided (the builder constructs what compliance accepts)."""

from datetime import date

import pytest

from compliance.calc.avoidable import finding_avoidable
from compliance.models import CheckResult
from compliance.services.checks import proposals_check
from drift.models import Proposal
from drift.services.scan import drift_scan_run
from firms.services.tenancy import firm_scope
from portfolios.models import SubstantiallyIdenticalPair, Substitute
from portfolios.selectors import latest_price_date
from portfolios.services.demo import SUBSTANTIALLY_IDENTICAL_PAIRS, demo_firm_find, demo_seed

pytestmark = pytest.mark.django_db


def test_the_demo_firm_has_its_pairs_and_only_findings_a_person_must_decide():
    demo_seed(accounts_per_firm=150, history_days=60, as_of=date(2026, 11, 24))
    firm = demo_firm_find("harbor")
    with firm_scope(firm):
        assert SubstantiallyIdenticalPair.objects.count() == len(SUBSTANTIALLY_IDENTICAL_PAIRS)
        assert Substitute.objects.exists()
        drift_scan_run(firm_id=firm.pk, as_of=latest_price_date())
        outcomes = proposals_check(
            firm_id=firm.pk, proposal_ids=list(Proposal.objects.values_list("pk", flat=True))
        )
        assert "flagged" in set(outcomes.values())
        failing = CheckResult.objects.filter(passed=False)
        assert failing.filter(proposal__status="flagged").exclude(suggestion={}).exists()
        avoidable = [
            (r.proposal_id, r.kind, r.message)
            for r in failing
            if finding_avoidable(r.kind, r.figures, r.suggestion)
        ]
        assert avoidable == []
