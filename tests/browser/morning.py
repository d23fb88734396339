"""The morning after a close, built through the pipeline's own services: a firm with a
member of every role, a client login per account, four drifted accounts scanned at the last
close, checked by compliance and routed by the firm's own routing tiers:

- a $100,000 account: the advisor's pre-approval, then the client;
- a $1,000,000 account: the senior advisor, then the client;
- an institutional account: the committee (two members, quorum two);
- a conservative client's account on the 60/40 model: flagged (suitability) for the
  compliance officer.
"""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from firms.choices import Role
from firms.services.members import member_create
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from portfolios.calc.market_calendar import previous_trading_day
from tests.conftest import PASSWORD
from tests.factories import make_book

STAFF_NAMES = {
    Role.ADVISOR: ("Dana", "Whitfield"),
    Role.SENIOR_ADVISOR: ("Marcus", "Chen"),
    Role.COMMITTEE_MEMBER: ("Priya", "Raman"),
    Role.COMPLIANCE_OFFICER: ("Olivia", "Grant"),
    Role.OPS: ("Sam", "Okafor"),
    Role.FIRM_ADMIN: ("Ruth", "Alvarez"),
}


def morning_build(firm, members) -> dict:
    from approvals.services import approvals_start
    from compliance.services.checks import proposals_check
    from drift.models import Proposal
    from drift.services.scan import drift_scan_run

    day = previous_trading_day(timezone.localdate())
    with firm_scope(firm):
        for role, (first, last) in STAFF_NAMES.items():  # people's names, as on a real team
            type(members[role].user).objects.filter(pk=members[role].user_id).update(
                first_name=first, last_name=last
            )
        members["committee_member_2"] = member_create(
            firm=firm,
            email=f"b-committee@{firm.slug}.test",
            role=Role.COMMITTEE_MEMBER,
            password=PASSWORD,
            name="Jonas Berg",
        )
        book = make_book(firm, accounts=4, advisor=members[Role.ADVISOR], day=day)
        advised, large, institution, unsuitable = book["accounts"]
        pm.Position.objects.filter(account=large).update(quantity=pm.models.F("quantity") * 10)
        pm.Account.objects.update(segment="conservative")  # a 5-point band: 66/34 breaches it
        pm.Account.objects.filter(pk=institution.pk).update(
            segment="institutional", registration="institutional"
        )
        # A conservative client (equity band 10-40%) on the 60/40 model: suitability flags it.
        pm.Account.objects.filter(pk=unsuitable.pk).update(risk_profile="conservative")
        clients = {}
        for account in book["accounts"]:
            client = account.client
            clients[account.pk] = member_create(
                firm=firm,
                email=client.email,
                role=Role.CLIENT,
                password=PASSWORD,
                name=client.name,
            )
            client.user = clients[account.pk].user
            client.save(update_fields=["user"])
        drift_scan_run(firm_id=firm.pk, as_of=day)
        ids = list(Proposal.objects.values_list("pk", flat=True))
        proposals_check(firm_id=firm.pk, proposal_ids=ids)
        approvals_start(firm_id=firm.pk, now=timezone.now())
    return {
        "day": day,
        "book": book,
        "clients": clients,
        "accounts": {
            "advised": advised,
            "large": large,
            "institution": institution,
            "unsuitable": unsuitable,
        },
    }
