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
}
API = {
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
        ):
            model = apps.get_model(label)
            out[label] = sorted(model._default_manager.values_list("pk", "status"))
    return out
