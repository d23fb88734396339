"""No page offers a link that answers 403: for every staff role, every same-site link on the
pages that link out to settings (the dashboard, the import page, an account's drift page, the
drift rules, the compliance queue) opens for that role. Links to pages of an account the
advisor does not advise are out of scope (the role matrix's ownership rule covers those)."""

import re

import pytest

from firms.choices import Role
from firms.services.tenancy import firm_scope
from tests.dashboard.worlds import routed

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="(/[^"#?]*)')
SKIP = re.compile(r"^/(static|accounts/logout|admin|api/docs|api/schema)|\.(pdf|csv|zip)$")


def _links(body: str) -> set[str]:
    return {h for h in HREF.findall(body) if not SKIP.search(h)}


@pytest.mark.parametrize("staff_role", [r for r in Role.values if r != Role.CLIENT])
def test_every_link_a_role_is_shown_opens_for_it(login, firm_a, members_a, staff_role):
    role = staff_role
    book, _approvals = routed(firm_a, members_a[Role.ADVISOR], 2)
    with firm_scope(firm_a):
        account = book["accounts"][0]
    client = login(members_a[role])
    starts = ["/", "/book/import/", f"/drift/accounts/{account.pk}/", "/drift/rules/"]
    starts += ["/compliance/"] if role in (Role.COMPLIANCE_OFFICER, Role.FIRM_ADMIN) else []
    refused = []
    for start in starts:
        page = client.get(start)
        if page.status_code != 200:
            continue  # a page the role may not open is not offered in its menu (role matrix)
        for href in sorted(_links(page.content.decode())):
            status = client.get(href).status_code
            if status == 403:
                refused.append(f"{start} links {href}")
    assert not refused, f"{role} is shown links that refuse it: {refused}"
