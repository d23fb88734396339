"""Every URL that takes an object id answers 404 to another firm's staff.

The matrix below must name every such URL: a new URL with an id and no matrix entry fails
`test_every_url_with_an_id_is_in_the_matrix`, so isolation is tested as the product grows."""
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from drift.models import DriftRule, DriftSnapshot, Proposal
from drift.services.scan import drift_scan_run
from firms.roles import Role
from firms.tenancy import firm_scope
from portfolios.models import Account
from tests.factories import make_book

pytestmark = pytest.mark.django_db

# URL name → how to get an object id of that kind from a firm's scanned book.
MATRIX = {
    "portfolios:account": lambda book: book["accounts"][0].pk,
    "drift:account": lambda book: book["accounts"][0].pk,
    "drift:account_cash": lambda book: book["accounts"][0].pk,
    "drift:model_change": lambda book: book["model"].pk,
    "drift:proposal": lambda book: Proposal.objects.first().pk,
    "drift:rule_edit": lambda book: DriftRule.objects.first().pk,
    "trading:batch": lambda book: __import__("tests.trading.matrix", fromlist=["_"]).batch_id(book),
    "trading:resume": lambda book: __import__("tests.trading.matrix", fromlist=["_"]).pause_id(book),
    "trading:hold": lambda book: Proposal.objects.first().pk,
    "trading:release": lambda book: Proposal.objects.first().pk,
    "notifications:message": lambda book: __import__("tests.notifications.helpers", fromlist=["_"]).outbound_message_for(book).pk,
    "notifications:message_html": lambda book: __import__("tests.notifications.helpers", fromlist=["_"]).outbound_message_for(book).pk,
    "compliance:review": lambda book: Proposal.objects.first().pk,
    "compliance:override": lambda book: Proposal.objects.first().pk,
    "compliance:reject": lambda book: Proposal.objects.first().pk,
    "compliance:regenerate": lambda book: Proposal.objects.first().pk,
    "compliance:pair_delete": lambda book: __import__("tests.compliance.matrix", fromlist=["_"]).pair_id(book),
    "compliance:rule_edit": lambda book: __import__("tests.compliance.matrix", fromlist=["_"]).rule_id(book),
    "approvals:approval": lambda book: __import__("tests.approvals.helpers", fromlist=["_"]).approval_for_book(book),
    "approvals:step_decide": lambda book: __import__("tests.approvals.helpers", fromlist=["_"]).step_for_book(book),
    "approvals:rule_edit": lambda book: __import__("tests.approvals.helpers", fromlist=["_"]).routing_rule_for_book(book),
    "portal:proposal": lambda book: __import__("tests.approvals.helpers", fromlist=["_"]).approval_for_book(book),
    "portal:approve": lambda book: __import__("tests.approvals.helpers", fromlist=["_"]).approval_for_book(book),
    "portal:decline": lambda book: __import__("tests.approvals.helpers", fromlist=["_"]).approval_for_book(book),
    "portal:signed_pdf": lambda book: __import__("tests.approvals.helpers", fromlist=["_"]).approval_for_book(book),
}
ID_MATRIX_API = {
    "account-detail": lambda book: book["accounts"][0].pk,
    "security-detail": lambda book: book["stock"].pk,
    "client-detail": lambda book: book["accounts"][0].client_id,
    "model-detail": lambda book: book["model"].pk,
    "price-detail": lambda book: book["stock"].prices.first().pk,
    "drift-proposal-detail": lambda book: Proposal.objects.first().pk,
    "drift-snapshot-detail": lambda book: DriftSnapshot.objects.first().pk,
    "trading-batch-detail": lambda book: __import__("tests.trading.matrix", fromlist=["_"]).batch_id(book),
    "trading-order-detail": lambda book: __import__("tests.trading.matrix", fromlist=["_"]).order_id(book),
    "notification-message-detail": lambda book: __import__("tests.notifications.helpers", fromlist=["_"]).outbound_message_for(book).pk,
    "compliance-proposal-detail": lambda book: Proposal.objects.first().pk,
    "compliance-proposal-routable": lambda book: Proposal.objects.first().pk,
    "compliance-proposal-override": lambda book: Proposal.objects.first().pk,
    "compliance-proposal-reject": lambda book: Proposal.objects.first().pk,
    "compliance-proposal-regenerate": lambda book: Proposal.objects.first().pk,
}


def _named_patterns(resolver=None, prefix=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin" or (p.app_name or "") in ("admin",):
                continue  # the admin has its own scoping tests
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _named_patterns(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name, p


def _takes_id(pattern) -> bool:
    return any(k in ("pk", "id") or k.endswith("_id") for k in pattern.pattern.converters)


def test_every_url_with_an_id_is_in_the_matrix():
    project_urls = {name for name, p in _named_patterns() if _takes_id(p)}
    allauth = {n for n in project_urls if n.startswith(("account_", "mfa_", "socialaccount"))}
    missing = project_urls - allauth - set(MATRIX) - set(ID_MATRIX_API)
    assert missing == set(), f"URLs with an id but no isolation test: {sorted(missing)}"


@pytest.fixture
def book_b(firm_b):
    with firm_scope(firm_b):
        book = make_book(firm_b, accounts=1)
        Account.objects.update(segment="conservative")  # a 5-point band: 66/34 breaches it
        drift_scan_run(firm_id=firm_b.pk, as_of=book["stock"].prices.first().date)
        assert Proposal.objects.exists()
        return book


def _b_id(book, getter):
    with firm_scope(book["model"].firm_id):
        return getter(book)


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.CLIENT])
@pytest.mark.parametrize("name", list(MATRIX))
def test_pages_answer_404_for_another_firms_ids(login, members_a, book_b, role, name):
    url = reverse(name, args=[_b_id(book_b, MATRIX[name])])
    allowed = getattr(resolve(url).func, "allowed_roles", None)
    client = login(members_a[role])
    response = client.post(url, {}) if url.endswith("/cash/") else client.get(url)
    # 404 (not 403) for roles that may open such pages: another firm's object does not exist.
    assert response.status_code == (404 if allowed is None or role in allowed else 403)


@pytest.mark.parametrize("name", list(ID_MATRIX_API))
def test_api_routes_answer_404_for_another_firms_ids(client, members_a, book_b, name):
    from rest_framework.authtoken.models import Token

    object_id = _b_id(book_b, ID_MATRIX_API[name])
    token = Token.objects.create(user=members_a["ops"].user)
    response = client.get(reverse(name, args=[object_id]), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 404
