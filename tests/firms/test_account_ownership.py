""" "Only the account's own advisor" holds — through a re-import naming
oneself as adviser, on an account with no adviser, and on account-level actions (cash
proposals, rebuilding with the substitute, step decisions), all through firms.views."""

import pytest
from django.urls import reverse

from approvals.models import Approval
from approvals.services import ApprovalRefused, approvals_start, step_approve
from drift.models import Proposal
from firms.choices import Role
from firms.models import AuditEntry
from firms.services.members import member_create
from firms.services.tenancy import firm_scope
from firms.views import AccountNotYours, account_action_check, may_act_on_account
from portfolios.models import Account
from tests.approvals.conftest import sent  # noqa: F401 (fixture)
from tests.approvals.helpers import NOW, checked
from tests.conftest import PASSWORD
from tests.portfolios.import_support import (  # noqa: F401 (fixtures)
    fast_password_hashing,
    good_files,
    ready_a,
    run_import,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(firm_a):
    with firm_scope(firm_a):
        return member_create(
            firm=firm_a,
            email="colleague@alpha.test",
            role=Role.ADVISOR,
            password=PASSWORD,
            name="Col League",
        )


def _routed(firm, advisor):
    """One pending approval (advisor pre-approval first) on an account advised by `advisor`."""
    checked(firm, advisor=advisor, value="250000.00")
    with firm_scope(firm):
        approvals_start(firm_id=firm.pk, now=NOW)
        return Approval.objects.select_related("proposal__account").get()


def test_the_rule_in_one_place(members_a, colleague):
    advisor = members_a["advisor"]
    assert may_act_on_account(advisor, advisor.pk)
    assert not may_act_on_account(advisor, colleague.pk)
    assert not may_act_on_account(advisor, None)  # nobody's own account: firm-wide roles only
    for role in (
        Role.SENIOR_ADVISOR,
        Role.FIRM_ADMIN,
        Role.COMPLIANCE_OFFICER,
        Role.COMMITTEE_MEMBER,
    ):
        assert may_act_on_account(members_a[role], None) and may_act_on_account(
            members_a[role], colleague.pk
        )
    with pytest.raises(AccountNotYours):
        account_action_check(advisor, colleague.pk)


def test_an_account_without_an_adviser_is_pre_approved_by_a_senior_advisor_not_any_advisor(
    firm_a, members_a, sent
):
    approval = _routed(firm_a, advisor=None)
    with firm_scope(firm_a):
        step = approval.steps.get(position=0)
        with pytest.raises(ApprovalRefused, match="own advisor"):
            step_approve(
                approval_id=approval.pk, step_id=step.pk, membership=members_a["advisor"], now=NOW
            )
        step_approve(
            approval_id=approval.pk,
            step_id=step.pk,
            membership=members_a["senior_advisor"],
            now=NOW,
        )
        step.refresh_from_db()
        assert step.status == "approved"


def test_an_advisor_cannot_decide_a_colleagues_step_on_the_page(
    login, firm_a, members_a, colleague, sent
):
    approval = _routed(firm_a, advisor=colleague)
    with firm_scope(firm_a):
        step = approval.steps.get(position=0)
    response = login(members_a["advisor"]).post(
        reverse("approvals:step_decide", args=[step.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    with firm_scope(firm_a):
        step.refresh_from_db()
        assert step.status == "active"


def test_an_advisor_cannot_start_a_cash_proposal_on_a_colleagues_account_nor_void_its_approval(
    login, firm_a, members_a, colleague, sent
):
    approval = _routed(firm_a, advisor=colleague)
    url = reverse("drift:account_cash", args=[approval.proposal.account_id])
    response = login(members_a["advisor"]).post(url, {"kind": "cash_raise", "amount": "1000"})
    assert response.status_code == 403
    with firm_scope(firm_a):
        assert Proposal.objects.count() == 1
        assert Approval.objects.get().status == "pending"


def test_the_accounts_own_advisor_starts_a_cash_proposal(login, firm_a, members_a, sent):
    approval = _routed(firm_a, advisor=members_a["advisor"])
    url = reverse("drift:account_cash", args=[approval.proposal.account_id])
    response = login(members_a["advisor"]).post(url, {"kind": "cash_raise", "amount": "1000"})
    assert response.status_code == 302
    with firm_scope(firm_a):
        assert Proposal.objects.filter(kind="cash_raise").count() == 1


def test_an_advisor_cannot_rebuild_a_colleagues_proposal_on_the_page_or_the_api(
    client, login, firm_a, members_a, colleague, sent
):
    from firms.services.api_tokens import api_token_create

    approval = _routed(firm_a, advisor=colleague)
    pk = approval.proposal_id
    assert (
        login(members_a["advisor"]).post(reverse("compliance:regenerate", args=[pk])).status_code
        == 403
    )
    key = api_token_create(members_a["advisor"].user)
    response = client.post(
        reverse("compliance-proposal-regenerate", args=[pk]), HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 403
    with firm_scope(firm_a):
        assert Proposal.objects.count() == 1


def _accounts_file(advisor_email: str) -> str:
    lines = good_files()["accounts"].splitlines()
    cells = lines[3].split(",")  # A-2001, advised by a-advisor@alpha.test
    cells[3] = advisor_email
    return "\n".join([lines[0], ",".join(cells)]) + "\n"


def test_an_advisor_cannot_make_a_colleagues_account_theirs_by_import(
    ready_a, members_a, colleague
):
    assert run_import(ready_a, good_files(), actor=members_a["ops"]).ok
    with firm_scope(ready_a):
        Account.objects.filter(number="A-2001").update(advisor=colleague)
    result = run_import(
        ready_a, {"accounts": _accounts_file("a-advisor@alpha.test")}, actor=members_a["advisor"]
    )
    assert not result.ok
    [error] = result.errors
    assert (error.file, error.row, error.column) == ("accounts.csv", 2, "advisor_email")
    assert (
        "A-2001" in error.message
        and "colleague@alpha.test" in error.message
        and "operations" in error.message
    )
    with firm_scope(ready_a):
        assert Account.objects.get(number="A-2001").advisor_id == colleague.pk
    # Clearing the adviser is a change too; keeping it is not.
    assert not run_import(ready_a, {"accounts": _accounts_file("")}, actor=members_a["advisor"]).ok
    assert run_import(
        ready_a, {"accounts": _accounts_file("colleague@alpha.test")}, actor=members_a["advisor"]
    ).ok


def test_ops_reassign_an_adviser_by_import_and_each_account_is_audited(
    ready_a, members_a, colleague
):
    assert run_import(ready_a, good_files(), actor=members_a["ops"]).ok
    result = run_import(
        ready_a, {"accounts": _accounts_file("colleague@alpha.test")}, actor=members_a["ops"]
    )
    assert result.ok, [str(e) for e in result.errors]
    with firm_scope(ready_a):
        assert Account.objects.get(number="A-2001").advisor_id == colleague.pk
        [entry] = AuditEntry.objects.filter(event="account.adviser_changed")
    assert entry.actor_id == members_a["ops"].user_id
    assert entry.payload["account"] == "A-2001" and entry.payload["line"] == 2
    assert (entry.payload["from"], entry.payload["to"]) == (
        "a-advisor@alpha.test",
        "colleague@alpha.test",
    )
