"""The isolation matrix's intra-firm dimension: every role of ONE firm ×
every write — pages, API operations, admin add/change/delete of every registered model, and
role grants — is allowed or refused as the tables below say, written out by hand.

"Refused" means: a 403 (or, for the admin, the login page) and, whatever the answer, nothing
in the firm changed (row counts and statuses of every firm-owned table). "Allowed" means the
role and ownership gates let the request through (it may still fail validation: the payloads
are not meant to be valid). Every request runs in a savepoint that is rolled back, so each
starts from the same book. The firm's accounts are advised by a colleague of the advisor
who asks, so account-level actions are refused to that advisor.

The tables are checked for completeness against the URLconf, the OpenAPI schema and the admin
registry: a new route, API operation or admin model without an entry fails this module."""

import re
from contextlib import contextmanager
from functools import partial

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.urls import reverse

from firms.admin import firm_admin_site
from firms.choices import Role
from firms.models import Membership
from firms.permissions import OWN_BOOK_ACTIONS, Action, roles_for
from firms.services.members import member_create
from firms.services.tenancy import firm_scope
from tests.conftest import PASSWORD
from tests.firms.isolation_world import PAGES, build_world, fingerprint
from tests.firms.test_url_matrix import _api_name, _is_allauth, _named_patterns, _schema_operations

pytestmark = pytest.mark.django_db

ADV, SEN, COM, CCO, OPS, ADM, CLI = (
    Role.ADVISOR,
    Role.SENIOR_ADVISOR,
    Role.COMMITTEE_MEMBER,
    Role.COMPLIANCE_OFFICER,
    Role.OPS,
    Role.FIRM_ADMIN,
    Role.CLIENT,
)
ROLES = list(Role.values)
NOBODY: frozenset = frozenset()


def roles(*rs) -> frozenset:
    return frozenset(rs)


# --- pages: URL name → roles that may write through it (POST) ------------------------------
# Account-level actions (cash proposal, rebuild with the substitute, pre-approval) are refused
# to an advisor who does not advise the account.
PAGE_WRITES = {
    "portfolios:import": roles(ADV, SEN, OPS, ADM),
    "portfolios:custodians": roles(OPS, ADM),
    "portfolios:custodian_edit": roles(OPS, ADM),
    "drift:account_cash": roles(SEN, COM, ADM),
    # Firm-wide bands and models: an investment committee's or a firm administrator's.
    "drift:rule_new": roles(COM, ADM),
    "drift:rule_edit": roles(COM, ADM),
    "drift:model_change": roles(COM, ADM),
    "drift:model_new": roles(COM, ADM),
    "drift:model_edit": roles(COM, ADM),
    "drift:model_retire": roles(COM, ADM),
    "people:home": roles(ADM),
    "people:invitation_revoke": roles(ADM),
    "people:member_remove": roles(ADM),
    "people:tokens": roles(ADM),
    "people:token_revoke": roles(ADM),
    "drift:account_settings": roles(SEN, COM, ADM),  # and the account's own advisor
    "drift:rescan": roles(ADV, SEN, OPS, ADM),  # who may import may re-scan what it changed
    "compliance:override": roles(CCO, ADM),
    "compliance:reject": roles(CCO, ADM),
    "compliance:regenerate": roles(SEN, COM, CCO, ADM),
    "compliance:pairs": roles(CCO, ADM),
    "compliance:pair_delete": roles(CCO, ADM),
    "compliance:substitutes": roles(CCO, ADM),
    "compliance:substitute_delete": roles(CCO, ADM),
    "compliance:rule_edit": roles(CCO, ADM),
    "notifications:template_edit": roles(ADM),  # advisors too when the firm allows it (off here)
    "notifications:template_preview": roles(ADM),
    "approvals:step_decide": roles(
        SEN, ADM
    ),  # the advisor's pre-approval step of a colleague's account
    "approvals:rule_new": roles(ADM),
    "approvals:rule_edit": roles(ADM),
    # Bulk forms: the roles of any of their actions (each action and row is checked again).
    "approvals:bulk": roles(ADV, SEN, COM, ADM),
    "compliance:bulk": roles(CCO, ADM),
    "dashboard:proposal_bulk": roles(ADV, SEN, COM, CCO, ADM),
    "approvals:settings": roles(ADM),
    "portal:approve": roles(CLI),  # the approval's own client
    "portal:decline": roles(CLI),
    "portal:signing_code": roles(CLI),  # emails the client a one-time signing code
    "trading:run_now": roles(SEN, ADM),
    "trading:pause": roles(SEN, ADM),
    "trading:resume": roles(SEN, ADM),
    "trading:hold": roles(SEN, ADM),
    "trading:release": roles(SEN, ADM),
    "reporting:regenerate": roles(CCO, ADM),
    "reporting:widenings": roles(CCO, ADM),
    "reconciliation:breaks": roles(OPS, ADM),  # the day's file upload; compliance only reads
    "reconciliation:accept": roles(OPS, ADM),
    "reconciliation:resolve": roles(OPS, ADM),
    "webhooks:endpoint_new": roles(ADM),
    "webhooks:endpoint": roles(ADM),
    "webhooks:endpoint_pause": roles(ADM),
    "webhooks:endpoint_resume": roles(ADM),
    "webhooks:endpoint_rotate": roles(ADM),
    "webhooks:delivery_replay": roles(ADM),
}
# Pages that write nothing whatever is posted (a POST by any role changes nothing).
PAGE_READS = {
    "home",
    "dashboard:proposals",
    "approvals:list",
    "trading:orders",
    "portfolios:accounts",
    "portfolios:account",
    "portfolios:import_sample",
    "drift:drifted",
    "drift:account",
    "drift:harvests",
    "drift:proposal",
    "drift:rules",
    "drift:models",
    "people:invite_accept",  # public: signed-in members are refused; a bad token is a 410
    "compliance:queue",
    "compliance:review",
    "compliance:rules",
    "notifications:templates",
    "notifications:outbox",
    "notifications:message",
    "notifications:message_html",
    "approvals:queue",
    "approvals:approval",
    "approvals:signed_pdf",
    "approvals:rules",
    "portal:home",
    "portal:link",
    "portal:proposal",
    "portal:signed_pdf",
    "trading:home",
    "trading:batch",
    "trading:dry_run",
    "reporting:reports",
    "reporting:download_pdf",
    "reporting:download_csv",
    "reporting:metrics",
    "reporting:threshold_review",
    "reporting:evidence_pack",
    "webhooks:endpoints",
    "webhooks:deliveries",
    "webhooks:delivery",
}
# --- API: (route name, method) → roles that may call it --------------------------------------
API_WRITES = {
    ("firm-invitation-list", "post"): roles(ADM),
    ("firm-invitation-revoke", "post"): roles(ADM),
    ("book-import", "post"): roles(ADV, SEN, OPS, ADM),
    ("compliance-proposal-override", "post"): roles(CCO, ADM),
    ("compliance-proposal-reject", "post"): roles(CCO, ADM),
    ("compliance-proposal-regenerate", "post"): roles(SEN, COM, CCO, ADM),
    ("reconciliation-upload", "post"): roles(OPS, ADM),
    ("reconciliation-break-accept", "post"): roles(OPS, ADM),
    ("reconciliation-break-resolve", "post"): roles(OPS, ADM),
    ("webhook-endpoint-list", "post"): roles(ADM),
    ("webhook-endpoint-detail", "patch"): roles(ADM),
    ("webhook-endpoint-pause", "post"): roles(ADM),
    ("webhook-endpoint-resume", "post"): roles(ADM),
    ("webhook-endpoint-rotate-secret", "post"): roles(ADM),
    ("webhook-delivery-replay", "post"): roles(ADM),
    # Set-up: through the same forms and roles as the pages.
    ("custodian-list", "post"): roles(OPS, ADM),
    ("custodian-detail", "put"): roles(OPS, ADM),
    ("custodian-detail", "patch"): roles(OPS, ADM),
    ("drift-rule-list", "post"): roles(COM, ADM),
    ("drift-rule-detail", "put"): roles(COM, ADM),
    ("drift-rule-detail", "patch"): roles(COM, ADM),
    ("drift-account-settings-list", "post"): roles(ADV, SEN, COM, ADM),  # advisors: own accounts
    ("drift-account-settings-detail", "put"): roles(SEN, COM, ADM),
    ("drift-account-settings-detail", "patch"): roles(SEN, COM, ADM),
    ("drift-import-rescan", "post"): roles(ADV, SEN, OPS, ADM),
    ("compliance-rule-detail", "put"): roles(CCO, ADM),
    ("compliance-rule-detail", "patch"): roles(CCO, ADM),
    ("compliance-substitute-list", "post"): roles(CCO, ADM),
    ("compliance-substitute-detail", "delete"): roles(CCO, ADM),
    ("compliance-pair-list", "post"): roles(CCO, ADM),
    ("compliance-pair-detail", "delete"): roles(CCO, ADM),
    ("routing-rule-list", "post"): roles(ADM),
    ("routing-rule-detail", "put"): roles(ADM),
    ("routing-rule-detail", "patch"): roles(ADM),
    ("notification-template-detail", "put"): roles(ADM),  # advisors too when the firm allows it
    ("notification-template-detail", "patch"): roles(ADM),
}
# --- admin: model → (view, add, change, delete) ----------------------------------------------
O_F = roles(OPS, ADM)
F = roles(ADM)
BOOK = (O_F, O_F, O_F, O_F)  # the book's data: ops maintain it, every write audited
CONTROL = (O_F, F, F, F)  # controls without a page: firm administrators, audited
RECORD = (O_F, NOBODY, NOBODY, NOBODY)  # records, and controls changed on their own pages
ADMIN = {
    "firms.firm": (O_F, NOBODY, F, NOBODY),
    "firms.membership": (
        O_F,
        NOBODY,
        F,
        F,
    ),  # role grants: firms.services.members.membership_role_change
    "firms.auditentry": RECORD,
    "portfolios.custodian": BOOK,
    "portfolios.security": BOOK,
    "portfolios.custodiansecurity": BOOK,
    "portfolios.price": BOOK,
    "portfolios.household": BOOK,
    "portfolios.client": BOOK,
    "portfolios.modelportfolio": (O_F, F, F, F),  # models: the matrix's MODELS ∩ admin roles
    "portfolios.account": BOOK,
    "portfolios.position": BOOK,
    "portfolios.taxlot": BOOK,
    "portfolios.transaction": BOOK,
    "portfolios.importrun": RECORD,
    "drift.driftrule": RECORD,
    "drift.accountdriftsettings": CONTROL,
    "drift.harvestrule": CONTROL,
    "drift.scanrun": RECORD,
    "drift.driftsnapshot": RECORD,
    "drift.proposal": RECORD,
    "drift.harvestopportunity": RECORD,
    "drift.compliancerule": RECORD,
    "portfolios.substantiallyidenticalpair": RECORD,
    "portfolios.substitute": CONTROL,
    "compliance.checkresult": RECORD,
    "compliance.compliancereview": RECORD,
    "notifications.outboundmessage": RECORD,
    "notifications.notificationtemplate": RECORD,
    "notifications.notificationsettings": CONTROL,
    "reporting.monthlyreport": (F, NOBODY, NOBODY, NOBODY),
    "drift.tolerancewidening": RECORD,
    "trading.tradingsettings": CONTROL,
    "trading.batch": RECORD,
    "trading.order": RECORD,
    "trading.blockorder": RECORD,
    "trading.executionpause": RECORD,
    "reconciliation.reconciliationrun": RECORD,
    "reconciliation.reconciliationbreak": RECORD,
    "webhooks.webhookendpoint": RECORD,  # changed on the webhooks pages
    "webhooks.webhookdelivery": RECORD,
}
# --- role grants: who may give a colleague (an advisor) which role ----------------------------
STAFF = [r for r in ROLES if r != CLI]
GRANTS = {actor: (frozenset(STAFF) if actor == ADM else NOBODY) for actor in ROLES}
FORM = {
    "reason": "x",
    "decision": "approve",
    "note": "x",
    "scope": "firm",
    "name": "x",
    "post": "yes",
    "kind": "cash_raise",
    "amount": "100",
    "typed_name": "x",
    "first": "VTI",
    "second": "BND",
    "factor": "2",
}


# --- the declared matrix (firms.permissions.MATRIX): every action's pages and API routes ----
# The tables above are written out by hand; these say which action each row is, so the
# hand-written expectations and the declared matrix cannot drift apart.
ACTION_PAGES = {
    Action.MODELS: [
        "drift:model_new",
        "drift:model_edit",
        "drift:model_retire",
        "drift:model_change",
    ],
    Action.DRIFT_RULES: ["drift:rule_new", "drift:rule_edit"],
    Action.COMPLIANCE_RULES: ["compliance:pairs", "compliance:pair_delete", "compliance:rule_edit"],
    Action.COMPLIANCE_DECIDE: ["compliance:override", "compliance:reject"],
    Action.REPORTS: ["reporting:regenerate", "reporting:widenings"],
    Action.TEMPLATES: ["notifications:template_edit", "notifications:template_preview"],
    Action.ROUTING: ["approvals:rule_edit", "approvals:settings"],
    Action.BOOK_IMPORT: ["portfolios:import"],
    Action.TRADING_CONTROLS: ["trading:run_now", "trading:hold", "trading:release"],
    Action.PAUSES: ["trading:pause", "trading:resume"],
    Action.PEOPLE: ["people:home", "people:invitation_revoke", "people:member_remove"],
    Action.API_TOKENS: ["people:tokens", "people:token_revoke"],
    Action.CLIENT_CONSENT: ["portal:approve", "portal:decline"],
    # Own-book actions: the world's accounts are a colleague's, so the advisor is refused.
    Action.CASH_PROPOSAL: ["drift:account_cash"],
    Action.COMPLIANCE_REBUILD: ["compliance:regenerate"],
}
ACTION_API = {
    Action.PEOPLE: [("firm-invitation-list", "post"), ("firm-invitation-revoke", "post")],
    Action.BOOK_IMPORT: [("book-import", "post")],
    Action.COMPLIANCE_DECIDE: [
        ("compliance-proposal-override", "post"),
        ("compliance-proposal-reject", "post"),
    ],
    Action.COMPLIANCE_REBUILD: [("compliance-proposal-regenerate", "post")],
}


def _declared(action) -> frozenset:
    allowed = roles_for(action)
    return allowed - {ADV} if action in OWN_BOOK_ACTIONS else allowed


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_the_tables_match_the_declared_matrix(action):
    for name in ACTION_PAGES.get(action, []):
        assert PAGE_WRITES[name] == _declared(action), (action, name)
    for key in ACTION_API.get(action, []):
        assert API_WRITES[key] == _declared(action), (action, key)


def test_models_and_firm_wide_bands_belong_to_the_committee_and_firm_administrators():
    for action in (Action.MODELS, Action.DRIFT_RULES):
        assert roles_for(action) == {COM, ADM}


def test_the_readme_shows_the_matrix():
    from pathlib import Path

    from firms.permissions import matrix_markdown

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert matrix_markdown() in readme, "README's role matrix is stale: manage.py role_matrix"


# --- completeness ------------------------------------------------------------------------------


def _page_names():
    return {
        name
        for name, _p in _named_patterns()
        if not _is_allauth(name) and (":" in name or name == "home")
    }


def test_every_page_is_in_the_table_as_a_write_or_a_read():
    names = _page_names()
    assert names - set(PAGE_WRITES) - PAGE_READS == set(), "pages with no entry in the role matrix"
    assert (set(PAGE_WRITES) | PAGE_READS) - names == set(), (
        "entries for pages that no longer exist"
    )


def test_every_api_write_is_in_the_table():
    writes = {(_api_name(path), method) for path, method in _schema_operations() if method != "get"}
    assert writes == set(API_WRITES)


def test_every_admin_model_is_in_the_table():
    assert {m._meta.label_lower for m in firm_admin_site._registry} == set(ADMIN)


# --- the world: firm A's book advised by a colleague, a member of every role -----------------


@pytest.fixture
def world(firm_a, members_a):
    with firm_scope(firm_a):
        colleague = member_create(
            firm=firm_a,
            email="colleague@alpha.test",
            role=ADV,
            password=PASSWORD,
            name="Col League",
        )
    built = build_world(firm_a, {**members_a, ADV: colleague})
    from approvals.models import Approval
    from portal.services.link_sessions import client_user_ensure

    with firm_scope(firm_a):
        approval = Approval.objects.select_related("proposal__account__client").get(
            pk=built.ids["portal:approve"]
        )
        client_user_ensure(client=approval.proposal.account.client)
        built.members = {
            **members_a,
            CLI: Membership.objects.get(user=approval.proposal.account.client.user),
        }
    return built


@contextmanager
def undone():
    """The request's effects are rolled back afterwards: every request starts from the same book."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _url(name, world):
    if name in PAGES:
        return reverse(name, args=[world.ids[name]])
    if name.startswith("notifications:template_"):
        return reverse(name, args=["proposal"])
    if name == "people:invite_accept":
        return reverse(name, args=["not-a-token"])
    if name == "portfolios:import_sample":
        return reverse(name, args=["accounts"])
    return reverse(name)


def _refused(response) -> bool:
    where = response.get("Location", "") if response.status_code == 302 else ""
    return response.status_code == 403 or "login" in where


def _state(firm_id: int) -> dict:
    """The firm's fingerprint less its audit log and published chain heads: recording a read
    (an export, which also publishes the chain's head into the evidence pack) or a refused
    attempt is not a change of state."""
    return {
        k: v
        for k, v in fingerprint(firm_id).items()
        if k not in ("firms_auditentry", "firms_audithead")
    }


def _outcomes(client, world, requests):
    """{label: (refused by a gate?, changed anything?)} for (label, send) pairs, each undone."""
    out = {}
    for label, send in requests:
        with undone():
            before = _state(world.firm_id)
            response = send(client)
            out[label] = (
                _refused(response),
                _state(world.firm_id) != before,
                response.status_code,
                [str(m) for m in get_messages(response.wsgi_request)][:1],
            )
    return out


def _mismatches(outcomes, expected_allowed: dict[str, bool]):
    bad = []
    for label, (refused, changed, status, messages) in outcomes.items():
        if expected_allowed[label] and refused:
            bad.append((label, "refused, expected allowed", status, messages))
        if not expected_allowed[label] and (
            changed or not (refused or status in (200, 302, 400, 405, 409))
        ):
            bad.append(
                (
                    label,
                    "changed something, expected refused" if changed else "odd answer",
                    status,
                    messages,
                )
            )
    return bad


def _post_form(url: str, client):
    return client.post(url, FORM)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_write_by_every_role(login, world, role):
    client = login(world.members[role])
    requests = [(name, partial(_post_form, _url(name, world))) for name in sorted(PAGE_WRITES)]
    outcomes = _outcomes(client, world, requests)
    mismatches = _mismatches(outcomes, {name: role in PAGE_WRITES[name] for name in PAGE_WRITES})
    assert mismatches == [], "\n".join(map(str, mismatches))


@pytest.mark.parametrize("role", ROLES)
def test_no_post_to_a_read_page_changes_anything(login, world, role):
    client = login(world.members[role])
    # Not posted to: the emailed link (GET only, signs in) and the report downloads (the world's
    # report row has no files; tests/reporting covers them).
    skip = {
        "portal:link",
        "reporting:download_pdf",
        "reporting:download_csv",
        "portfolios:import_sample",
    }
    requests = [
        (name, partial(_post_form, _url(name, world))) for name in sorted(PAGE_READS - skip)
    ]
    changed = [
        label
        for label, (_r, changed, *_rest) in _outcomes(client, world, requests).items()
        if changed
    ]
    assert changed == []


@pytest.mark.parametrize("role", ROLES)
def test_every_api_write_by_every_role(client, world, role):
    from firms.services.api_tokens import api_token_create

    auth = {"HTTP_AUTHORIZATION": f"Token {api_token_create(world.members[role].user)}"}
    paths = {(_api_name(p), m): p for p, m in _schema_operations() if m != "get"}
    requests = []
    for (name, method), path in sorted(paths.items()):
        url = re.sub(r"\{[^}]+\}", str(world.ids.get(name, 0)), path)
        requests.append(
            (
                (name, method),
                lambda c, url=url, method=method: getattr(c, method)(url, {"reason": "x"}, **auth),
            )
        )
    outcomes = _outcomes(client, world, requests)
    mismatches = _mismatches(outcomes, {key: role in API_WRITES[key] for key in API_WRITES})
    assert mismatches == [], "\n".join(map(str, mismatches))


def _admin_requests(world):
    for model, _admin in firm_admin_site._registry.items():
        label, info = model._meta.label_lower, (model._meta.app_label, model._meta.model_name)
        pk = world.admin_ids.get(label, 0)  # no row: the permission is checked before the lookup
        if label == "firms.membership":
            pk = world.members[ADV].pk  # never the asker's own row
        if label == "firms.firm":
            pk = world.firm_id
        yield (
            (label, "view"),
            lambda c, info=info: c.get(reverse("admin:{}_{}_changelist".format(*info))),
        )
        yield (
            (label, "add"),
            lambda c, info=info: c.post(reverse("admin:{}_{}_add".format(*info)), {}),
        )
        yield (
            (label, "change"),
            lambda c, info=info, pk=pk: c.post(
                reverse("admin:{}_{}_change".format(*info), args=[pk]), {}
            ),
        )
        yield (
            (label, "delete"),
            lambda c, info=info, pk=pk: c.post(
                reverse("admin:{}_{}_delete".format(*info), args=[pk]), {"post": "yes"}
            ),
        )


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_model_by_every_role_add_change_delete(login, world, role):
    client = login(world.members[role])
    outcomes = _outcomes(client, world, list(_admin_requests(world)))
    expected = {
        (label, op): role in ADMIN[label][i]
        for label in ADMIN
        for i, op in enumerate(("view", "add", "change", "delete"))
    }
    mismatches = _mismatches(outcomes, expected)
    assert mismatches == [], "\n".join(map(str, mismatches))


@pytest.mark.parametrize("actor", ROLES)
def test_role_grants_by_every_role(login, world, actor):
    """Every role tries to give a colleague (an advisor) every role, and themselves firm admin."""
    client = login(world.members[actor])
    target = world.members[ADV] if actor != ADV else world.members[COM]
    url = reverse("admin:firms_membership_change", args=[target.pk])
    for role in ROLES:
        with undone():
            client.post(url, {"role": role})
            with firm_scope(world.firm_id):
                got = Membership.objects.get(pk=target.pk).role
            assert (got == role) == (role in GRANTS[actor] or role == target.role), (
                actor,
                role,
                got,
            )
    own = reverse("admin:firms_membership_change", args=[world.members[actor].pk])
    with undone():
        client.post(own, {"role": ADM})
        with firm_scope(world.firm_id):
            assert Membership.objects.get(pk=world.members[actor].pk).role == actor
