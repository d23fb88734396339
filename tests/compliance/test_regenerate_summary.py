"""A proposal rebuilt with a substitute shows its own harvest summary (its
losses and tax saved, the substitute it now buys), not the previous version's."""

from decimal import Decimal

import pytest

from compliance.services.checks import proposals_check
from compliance.services.regenerate import proposal_regenerate_substitute
from drift.models import Proposal
from firms.choices import Role
from portfolios.models import Substitute
from tests.compliance.helpers import book, proposal, security, txn

pytestmark = pytest.mark.django_db


def test_the_rebuilt_version_keeps_the_losses_and_names_the_substitute_it_buys(scoped, members_a):
    b = book(scoped)
    acct = b["accounts"][0]
    schb = security(scoped, "SCHB", 50, diversified=True)
    Substitute.objects.create(firm=scoped, security=b["stock"], substitute=schb)
    txn(scoped, acct, b["stock"], "sell", 10, gain=-700)  # buying VTI back would wash this
    old = proposal(
        scoped, acct, [(b["bond"], "sell", 20, 50, -400), (b["stock"], "buy", 10, 100, 0)]
    )
    Proposal.objects.filter(pk=old.pk).update(
        losses_st=Decimal("-400"),
        tax_saved=Decimal("148.00"),
        flags={
            "tlh": True,
            "harvested_loss": -400.0,
            "harvest": [{"sold": "BND", "substitute": "VTI", "label": "harvest"}],
        },
    )
    proposals_check(firm_id=scoped.pk, proposal_ids=[old.pk])
    old.refresh_from_db()
    new = proposal_regenerate_substitute(proposal=old, actor=members_a[Role.ADVISOR])
    assert (new.losses_st, new.tax_saved) == (Decimal("-400.00"), Decimal("148.00"))
    assert new.flags["harvest"] == [{"sold": "BND", "substitute": "SCHB", "label": "harvest"}]
    assert set(new.trades.filter(side="buy").values_list("security__symbol", flat=True)) == {"SCHB"}
