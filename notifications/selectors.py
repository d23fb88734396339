"""Reads for notifications. All run inside the caller's firm scope."""

from decimal import Decimal

from django.db import connection

from drift.models import Proposal
from firms.choices import Role
from firms.permissions import Action, role_may
from portfolios.choices import AssetClass

from .choices import Kind
from .models import NotificationSettings, NotificationTemplate, OutboundMessage
from .templating.context import AllocationLine, Facts, TradeLine
from .templating.defaults import DEFAULTS, DefaultTemplate


def _dec(value) -> Decimal:
    return Decimal(str(value))


def proposal_facts(proposal: Proposal, *, firm_name: str, **more) -> Facts:
    """Copy what a client email may show out of a proposal (and nothing else) into Facts.
    `more` passes the caller's values: deadline, portal_path, decision, filled, not_filled."""
    trades = proposal.trades.select_related("security").order_by("side", "security__symbol")
    return _facts(proposal, list(trades), firm_name=firm_name, **more)


# The trade lines of many proposals, looked up proposal by proposal through the firm's
# (firm, proposal) index: a plan that cannot widen to the firm's every trade, whatever the
# table's statistics say just after a scan wrote it (OFFSET 0 keeps the planner from flattening
# the lookup into a join it would plan from those statistics).
_TRADE_LINES_SQL = """
SELECT t.proposal_id, t.side, s.symbol, s.name, t.quantity, t.value
FROM unnest(%s::bigint[]) AS k(id)
CROSS JOIN LATERAL (SELECT * FROM drift_proposaltrade t
                    WHERE t.firm_id = %s AND t.proposal_id = k.id OFFSET 0) t
JOIN portfolios_security s ON s.id = t.security_id
ORDER BY t.proposal_id, t.side, s.symbol
"""


def proposals_facts(proposals: list[Proposal], *, firm_name: str, more: dict) -> dict[int, Facts]:
    """proposal_facts for many proposals (their account, client and advisor loaded with them,
    as select_related("account__client", "account__advisor__user") does) with one read of
    their trades. `more`: proposal id → that proposal's caller values. Returns id → Facts."""
    by_proposal: dict[int, list] = {p.pk: [] for p in proposals}
    with connection.cursor() as cur:
        cur.execute(_TRADE_LINES_SQL, [list(by_proposal), proposals[0].firm_id if proposals else 0])
        for proposal_id, side, symbol, name, quantity, value in cur.fetchall():
            by_proposal[proposal_id].append(TradeLine(side, symbol, name, quantity, value))
    return {
        p.pk: _facts(p, by_proposal[p.pk], firm_name=firm_name, **more.get(p.pk, {}))
        for p in proposals
    }


def _facts(proposal: Proposal, trades: list, *, firm_name: str, **more) -> Facts:
    """`trades`: the proposal's trades (with their security) or ready TradeLines."""
    account = proposal.account
    labels = dict(AssetClass.choices)
    allocation = tuple(
        AllocationLine(
            labels.get(c, c),
            _dec(v.get("current", 0)),
            _dec(v.get("proposed", 0)),
            _dec(v.get("target", 0)),
        )
        for c, v in sorted(proposal.allocation.items())
    )
    lines = tuple(
        t
        if isinstance(t, TradeLine)
        else TradeLine(t.side, t.security.symbol, t.security.name, t.quantity, t.value)
        for t in trades
    )
    advisor = account.advisor
    return Facts(
        firm_name=firm_name,
        client_name=account.client.name,
        account_number=account.number,
        account_type=account.get_registration_display(),
        portfolio_value=proposal.total_value,
        allocation=allocation,
        trades=lines,
        est_costs=proposal.est_costs,
        est_tax=proposal.est_tax,
        advisor_name=advisor.display_name if advisor else "",
        advisor_email=advisor.user.email if advisor else "",
        **more,
    )


def template_for(kind: str) -> NotificationTemplate | DefaultTemplate:
    """The firm's own template of this kind, or the shipped default."""
    return NotificationTemplate.objects.filter(kind=kind).first() or DEFAULTS[kind]


def templates_overview() -> list[dict]:
    """Each kind with the firm's template; `standard`: none, or a copy of the shipped wording
    (a new firm's seeded templates) not edited since."""
    edited = {t.kind: t for t in NotificationTemplate.objects.select_related("updated_by__user")}
    return [
        {
            "kind": k,
            "label": label,
            "template": edited.get(k),
            "standard": _is_shipped(edited.get(k)),
        }
        for k, label in Kind.choices
    ]


def _is_shipped(template) -> bool:
    if template is None:
        return True
    shipped = DEFAULTS.get(template.kind)
    return shipped is not None and (
        template.subject,
        template.body_html,
        template.body_text,
    ) == (shipped.subject, shipped.body_html, shipped.body_text)


def advisors_may_edit() -> bool:
    return NotificationSettings.objects.filter(advisors_may_edit_templates=True).exists()


ADVISOR_ROLES = frozenset({Role.ADVISOR, Role.SENIOR_ADVISOR})


def may_edit_templates(membership) -> bool:
    """Who may edit the firm's email templates: firm admins always; advisors if the firm
    allows."""
    if role_may(membership.role, Action.TEMPLATES):  # the role matrix (firms.permissions)
        return True
    return membership.role in ADVISOR_ROLES and advisors_may_edit()


def outbox_messages(*, status: str = "", kind: str = ""):
    qs = OutboundMessage.objects.order_by("-created_at", "-pk")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.defer("body_html", "body_text")
