"""One sign-in name space for all firms. Staff sign in with their email (their
username); a client's portal user gets a username of its own, so a client email that is
anybody's — another firm's staff, a colleague — neither fails (it gave a 500 that told whether
the email existed anywhere), nor shows whether it is in use, nor squats it."""

from datetime import UTC, datetime, timezone

import pytest
from django.contrib.auth import get_user_model

from approvals.models import Approval
from approvals.services import approvals_start
from approvals.services.links import portal_links_issue
from firms.choices import Role
from firms.models import Membership
from firms.services.members import MemberRefused, member_create
from firms.services.tenancy import firm_scope
from portfolios.models import Client
from tests.approvals.conftest import sent  # noqa: F401 (fixture)
from tests.approvals.helpers import checked

pytestmark = pytest.mark.django_db


def _link_for_client_with_email(firm, email: str) -> str:
    """Firm staff set the client's email (as in the admin), then the proposal goes out."""
    checked(firm, value="50000.00", client_users=False)
    with firm_scope(firm):
        Client.objects.update(email=email)
        approvals_start(firm_id=firm.pk, now=datetime.now(UTC))
        approval = Approval.objects.get()
        return portal_links_issue(approvals=[approval], now=datetime.now(UTC))[approval.pk]


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3] if "://" in url else url


@pytest.mark.parametrize(
    "email", ["b-advisor@bravo.test", "a-ops@alpha.test", "nobody-yet@example.test"]
)
def test_a_client_email_anybody_uses_opens_the_portal_like_any_other(
    client, firm_a, members_a, members_b, email, sent
):
    url = _link_for_client_with_email(firm_a, email)
    response = client.get(_path(url))
    assert response.status_code == 302 and response["Location"].startswith("/portal/proposals/")
    user = response.wsgi_request.user
    assert user.email == email and user.username != email
    with firm_scope(firm_a):
        assert Membership.objects.get(user=user).role == Role.CLIENT
        assert Client.objects.get().user_id == user.pk
    # The address's own staff user is untouched and still the one signing in with it.
    staff = get_user_model().objects.filter(username=email).first()
    assert staff is None or staff.pk != user.pk


def test_a_client_never_squats_an_email_a_firm_later_gives_to_staff(
    client, firm_a, firm_b, members_a, sent
):
    url = _link_for_client_with_email(firm_a, "newhire@bravo.test")
    assert client.get(_path(url)).status_code == 302
    with firm_scope(firm_b):
        member = member_create(
            firm=firm_b, email="newhire@bravo.test", role=Role.ADVISOR, name="New Hire"
        )
    assert member.user.username == "newhire@bravo.test"


def test_a_second_staff_sign_in_with_one_email_is_a_clear_error(firm_a, firm_b, members_a):
    with firm_scope(firm_b), pytest.raises(MemberRefused, match="already has a staff sign-in"):
        member_create(firm=firm_b, email="A-Advisor@alpha.test", role=Role.OPS)


def test_create_firm_refuses_a_taken_admin_email_before_creating_anything(firm_a, members_a):
    from django.core.management import CommandError, call_command

    from firms.selectors import firm_id_by_slug

    with pytest.raises(CommandError, match="already has a staff sign-in"):
        call_command("create_firm", "Charlie", "a-ops@alpha.test")
    assert firm_id_by_slug("charlie") is None
