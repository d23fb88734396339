"""Firm B's world for the isolation matrix: one object of every kind a URL can name, the
ids the matrix requests with, and the markers that must never appear in firm A's responses.

Built once per test inside firm B's scope; every getter below returns an id of firm B."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timezone

from django.apps import apps

from drift.models import DriftRule, DriftSnapshot, Proposal
from firms.admin import firm_admin_site
from firms.models import Membership
from firms.services.tenancy import firm_scope
from portfolios import models as pm


def _helper(module: str):
    return __import__(module, fromlist=["_"])


def _report_id(book) -> int:
    """A monthly report row (files are not needed: the lookup must 404 before any read)."""
    report = apps.get_model("reporting", "MonthlyReport")
    return report.objects.create(
        firm_id=book["model"].firm_id,
        month=date(2026, 10, 1),
        version=1,
        trigger="manual",
        created_at=datetime(2026, 11, 2, tzinfo=UTC),
        pdf="x.pdf",
        csv="x.csv",
        pdf_sha256="0" * 64,
        csv_sha256="0" * 64,
    ).pk


def _proposal(book) -> int:
    return Proposal.objects.order_by("pk").first().pk


def _approval(book) -> int:
    return _helper("tests.approvals.helpers").approval_for_book(book)


def _message(book) -> int:
    return _helper("tests.notifications.helpers").outbound_message_for(book).pk


def _invitation(book) -> int:
    from datetime import timedelta

    from firms.models import Invitation

    firm_id, now = book["model"].firm_id, datetime.now(UTC)
    slug = Membership.objects.select_related("firm").first().firm.slug
    return Invitation.objects.create(
        firm_id=firm_id,
        email=f"invitee@{slug}.test",
        role="advisor",
        token_hash=f"{firm_id:064d}",
        created_at=now,
        expires_at=now + timedelta(days=7),
    ).pk


def _member(book) -> int:
    return book["accounts"][0].advisor_id


def _api_token(book) -> int:
    from firms.models import ApiToken
    from firms.services.api_tokens import api_token_create

    member = book["accounts"][0].advisor
    key = api_token_create(member.user, name=f"{member.firm.name} feed")
    return ApiToken.objects.get(prefix=key[:8]).pk


def _import_run(book) -> int:
    """A successful import that changed the book's first account (the re-scan button's)."""
    return pm.ImportRun.objects.create(
        firm_id=book["model"].firm_id,
        source="web",
        ok=True,
        counts={"accounts": 1},
        changed_account_ids=[book["accounts"][0].pk],
    ).pk


def _substitute(book) -> int:
    cousin = pm.Security.objects.create(
        firm_id=book["model"].firm_id,
        symbol="ITOT",
        name="Total market (a substitute)",
        asset_class="us_equity",
        security_type="etf",
    )
    return pm.Substitute.objects.create(
        firm_id=cousin.firm_id, security=book["stock"], substitute=cousin
    ).pk


def _account_settings(book) -> int:
    from drift.models import AccountDriftSettings

    account = book["accounts"][-1]
    return AccountDriftSettings.objects.get_or_create(firm_id=account.firm_id, account=account)[
        0
    ].pk


def _template(book) -> int:
    from notifications.models import NotificationTemplate
    from notifications.services.templates import notification_templates_ensure_defaults

    notification_templates_ensure_defaults(firm_id=book["model"].firm_id)
    return NotificationTemplate.objects.order_by("pk").first().pk


# URL name (page or API route) → how to get firm B's id for it. A URL that takes an id and is
# missing here fails test_every_url_with_an_id_is_in_the_matrix.
PAGES = {
    "portfolios:account": lambda book: book["accounts"][0].pk,
    "drift:account": lambda book: book["accounts"][0].pk,
    "drift:account_cash": lambda book: book["accounts"][0].pk,
    "drift:model_change": lambda book: book["model"].pk,
    "drift:model_edit": lambda book: book["model"].pk,
    "drift:model_retire": lambda book: book["model"].pk,
    "people:invitation_revoke": _invitation,
    "people:member_remove": _member,
    "people:token_revoke": _api_token,
    "drift:proposal": _proposal,
    "drift:rule_edit": lambda book: DriftRule.objects.order_by("pk").first().pk,
    "drift:account_settings": lambda book: book["accounts"][0].pk,
    "drift:rescan": _import_run,
    "portfolios:custodian_edit": lambda book: book["custodian"].pk,
    "compliance:substitute_delete": _substitute,
    "trading:batch": lambda book: _helper("tests.trading.matrix").batch_id(book),
    "trading:resume": lambda book: _helper("tests.trading.matrix").pause_id(book),
    "trading:hold": _proposal,
    "trading:release": _proposal,
    "notifications:message": _message,
    "notifications:message_html": _message,
    "compliance:review": _proposal,
    "compliance:override": _proposal,
    "compliance:reject": _proposal,
    "compliance:regenerate": _proposal,
    "compliance:pair_delete": lambda book: _helper("tests.compliance.matrix").pair_id(book),
    "compliance:rule_edit": lambda book: _helper("tests.compliance.matrix").rule_id(book),
    "approvals:approval": _approval,
    "approvals:signed_pdf": _approval,
    "approvals:step_decide": lambda book: _helper("tests.approvals.helpers").step_for_book(book),
    "approvals:rule_edit": lambda book: _helper("tests.approvals.helpers").routing_rule_for_book(
        book
    ),
    "portal:proposal": _approval,
    "portal:signing_code": _approval,
    "portal:approve": _approval,
    "portal:decline": _approval,
    "portal:signed_pdf": _approval,
    "reporting:download_pdf": _report_id,
    "reporting:download_csv": _report_id,
    "reporting:evidence_pack": _proposal,
    "reconciliation:accept": lambda book: _helper("tests.reconciliation.matrix").break_id(book),
    "reconciliation:resolve": lambda book: _helper("tests.reconciliation.matrix").break_id(book),
    "webhooks:endpoint": lambda book: _helper("tests.webhooks.matrix").endpoint_id(book),
    "webhooks:endpoint_pause": lambda book: _helper("tests.webhooks.matrix").endpoint_id(book),
    "webhooks:endpoint_resume": lambda book: _helper("tests.webhooks.matrix").endpoint_id(book),
    "webhooks:endpoint_rotate": lambda book: _helper("tests.webhooks.matrix").endpoint_id(book),
    "webhooks:delivery": lambda book: _helper("tests.webhooks.matrix").delivery_id(book),
    "webhooks:delivery_replay": lambda book: _helper("tests.webhooks.matrix").delivery_id(book),
}
API = {
    "firm-invitation-detail": _invitation,
    "firm-invitation-revoke": _invitation,
    "account-detail": lambda book: book["accounts"][0].pk,
    "security-detail": lambda book: book["stock"].pk,
    "client-detail": lambda book: book["accounts"][0].client_id,
    "model-detail": lambda book: book["model"].pk,
    "price-detail": lambda book: book["stock"].prices.first().pk,
    "drift-proposal-detail": _proposal,
    "approval-detail": _approval,
    "drift-snapshot-detail": lambda book: DriftSnapshot.objects.order_by("pk").first().pk,
    "trading-batch-detail": lambda book: _helper("tests.trading.matrix").batch_id(book),
    "trading-order-detail": lambda book: _helper("tests.trading.matrix").order_id(book),
    "notification-message-detail": _message,
    "compliance-proposal-detail": _proposal,
    "compliance-proposal-routable": _proposal,
    "compliance-proposal-override": _proposal,
    "compliance-proposal-reject": _proposal,
    "compliance-proposal-regenerate": _proposal,
    "reporting-monthly-detail": _report_id,
    "reporting-monthly-pdf": _report_id,
    "reporting-monthly-csv": _report_id,
    "reconciliation-break-detail": lambda book: _helper("tests.reconciliation.matrix").break_id(
        book
    ),
    "reconciliation-break-accept": lambda book: _helper("tests.reconciliation.matrix").break_id(
        book
    ),
    "reconciliation-break-resolve": lambda book: _helper("tests.reconciliation.matrix").break_id(
        book
    ),
    "reconciliation-run-detail": lambda book: _helper("tests.reconciliation.matrix").run_id(book),
    "webhook-endpoint-detail": lambda book: _helper("tests.webhooks.matrix").endpoint_id(book),
    "webhook-endpoint-pause": lambda book: _helper("tests.webhooks.matrix").endpoint_id(book),
    "webhook-endpoint-resume": lambda book: _helper("tests.webhooks.matrix").endpoint_id(book),
    "webhook-endpoint-rotate-secret": lambda book: _helper("tests.webhooks.matrix").endpoint_id(
        book
    ),
    "webhook-delivery-detail": lambda book: _helper("tests.webhooks.matrix").delivery_id(book),
    "webhook-delivery-replay": lambda book: _helper("tests.webhooks.matrix").delivery_id(book),
    "custodian-detail": lambda book: book["custodian"].pk,
    "drift-rule-detail": lambda book: DriftRule.objects.order_by("pk").first().pk,
    "drift-account-settings-detail": _account_settings,
    "drift-import-rescan": _import_run,
    "compliance-rule-detail": lambda book: _helper("tests.compliance.matrix").rule_id(book),
    "compliance-substitute-detail": _substitute,
    "compliance-pair-detail": lambda book: _helper("tests.compliance.matrix").pair_id(book),
    "routing-rule-detail": lambda book: _helper("tests.approvals.helpers").routing_rule_for_book(
        book
    ),
    "notification-template-detail": _template,
}

# URLs open to anybody, answered before the session and the firm scope
# (ops.middleware.OpsEndpointsMiddleware) → the statuses a firm's user (or nobody) may get.
# /metrics spans every firm: it is the operator's scraper's, never a firm user's, whatever
# their role or credentials (test_public_endpoints_show_nothing_of_firm_b).
PUBLIC = {"healthz": {200}, "readyz": {200, 503}, "metrics": {401}}


def _review(book) -> int:
    """The compliance review of firm B's first proposal (flagged, so an override could apply)."""
    from compliance.models import ComplianceReview

    review, _ = ComplianceReview.objects.get_or_create(
        firm_id=book["model"].firm_id,
        proposal_id=_proposal(book),
        defaults={"status": "flagged", "checked_at": datetime.now(UTC)},
    )
    return review.pk


# Bulk forms take their ids in the POST body, not the URL: URL name → (action, getter of the
# firm B id posted). Every role of firm A posts each with firm B's id, confirmed.
BULK_POSTS = {
    "approvals:bulk": (("approve_advisor", _approval), ("resend_link", _approval)),
    "compliance:bulk": (("override", _review), ("rebuild", _review)),
    "dashboard:proposal_bulk": (
        ("hold", _proposal),
        ("release", _proposal),
        ("rebuild", _proposal),
    ),
}
# Lists with a CSV export (core.lists): requested by every role of firm A as CSV.
LIST_EXPORTS = (
    "portfolios:accounts",
    "drift:drifted",
    "dashboard:proposals",
    "approvals:list",
    "compliance:queue",
    "trading:orders",
)


@dataclass
class World:
    firm_id: int
    ids: dict[str, int]
    admin_ids: dict[str, int]  # "app_label.model" → one of firm B's rows
    admin_all: dict[str, set[int]]  # "app_label.model" → every row of firm B
    link_token: str
    markers: set[str] = field(default_factory=set)

    def leaked(self, body: bytes) -> list[str]:
        text = body.decode(errors="replace")
        return sorted(m for m in self.markers if m in text)


def build_world(firm, members) -> World:
    """Call outside any scope. `members` are firm B's staff (for names in its pages)."""
    from approvals.models import Approval
    from approvals.services.links import portal_links_issue
    from drift.services.scan import drift_scan_run
    from tests.factories import make_book

    with firm_scope(firm):
        book = make_book(firm, accounts=3, advisor=members["advisor"])
        pm.Account.objects.update(segment="conservative")  # a 5-point band: 66/34 breaches it
        drift_scan_run(firm_id=firm.pk, as_of=book["stock"].prices.first().date)
        ids, made = {}, {}  # getters shared by several URLs run once
        order_first = {
            "trading-order-detail": API["trading-order-detail"]
        }  # trades the first draft
        for name, getter in {**order_first, **PAGES, **API}.items():
            if getter not in made:
                made[getter] = getter(book)
            ids[name] = made[getter]
        for name, posts in BULK_POSTS.items():
            for action, getter in posts:
                if getter not in made:
                    made[getter] = getter(book)
                ids[f"{name}#{action}"] = made[getter]
        approval = Approval.objects.select_related("proposal__account").order_by("pk").first()
        token = next(
            iter(portal_links_issue(approvals=[approval], now=datetime.now(UTC)).values())
        ).rsplit("/", 2)[-2]
        admin_all = {
            m._meta.label_lower: set(m._default_manager.values_list("pk", flat=True))
            for m in firm_admin_site._registry
        }
        admin_ids = {label: min(pks) for label, pks in admin_all.items() if pks}
        markers = {firm.name, f"@{firm.slug}.test"}
        markers |= set(pm.Account.objects.values_list("number", flat=True))
        markers |= set(pm.Client.objects.values_list("email", flat=True))
        markers |= {m.user.email for m in Membership.objects.select_related("user")}
    return World(firm.pk, ids, admin_ids, admin_all, token, markers)


def fingerprint(firm_id: int) -> dict[str, object]:
    """Row counts of every firm-owned table plus every status column's values, seen in firm
    B's scope: any state change a request from firm A managed to make shows up here."""
    from django.db import connection

    from firms.services.db_security import firm_owned_tables

    out = {}
    with firm_scope(firm_id), connection.cursor() as cur:
        for table in firm_owned_tables():
            cur.execute(f'SELECT count(*) FROM "{table}"')
            out[table] = cur.fetchone()[0]
        for label in (
            "drift.proposal",
            "approvals.approval",
            "approvals.approvalstep",
            "trading.order",
            "webhooks.webhookendpoint",
            "webhooks.webhookdelivery",
        ):
            model = apps.get_model(label)
            out[label] = sorted(model._default_manager.values_list("pk", "status"))
        # A rotation or an edit changes no status: the endpoints' whole rows, then.
        out["webhooks.endpoint_rows"] = sorted(
            apps.get_model("webhooks.webhookendpoint")._default_manager.values_list(
                "pk", "url", "secret", "event_types"
            )
        )
        out["webhooks.delivery_replays"] = sorted(
            apps.get_model("webhooks.webhookdelivery")._default_manager.values_list(
                "pk", "replays", "attempts"
            )
        )
    return out
