"""Accessibility as a test: axe-core on every staff and portal page of the demo book, at
desktop (1366x900) and phone (390x844) width. No serious or critical violation on any page,
no sideways scrolling at 390 px (wide tables scroll inside their own .table-wrap), and the
focus ring stays visible on the dark header. A screenshot per page and width is saved.

Pages come from the URL patterns; those with an id are found by following the first matching
link of a list page of the seeded data, so the audit walks the book as a user would."""

import re
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe

from firms.services.tenancy import firm_scope
from tests.browser.conftest import sign_in
from tests.webhooks.conftest import endpoint_for, receiver  # noqa: F401 (fixture)
from webhooks.choices import EventType
from webhooks.models import WebhookDelivery
from webhooks.services.delivery import webhook_delivery_send
from webhooks.services.emit import webhook_emit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
BLOCKING = {"serious", "critical"}
FIRM = "harbor"
TOPBAR_BG = "#1f4e79"


@dataclass(frozen=True)
class Page:
    """One page to audit: its name (for screenshots and messages), who looks at it, and
    either its path or where to find it (the first link on `source` whose path matches
    `pattern`)."""

    name: str
    login: str | None
    path: str = ""
    source: str = ""
    pattern: str = ""
    status: int = 200
    last: bool = False  # the last matching link rather than the first
    ready: str = ""  # a selector to wait for (a page drawn by its script)
    skip_rules: tuple[str, ...] = ()  # axe rules that cannot pass on this page (say why)


def _p(name, login, path, status=200):
    return Page(name, login, path=path, status=status)


def _link(name, login, source, pattern, last=False):
    return Page(name, login, source=source, pattern=pattern, last=last)


N = r"\d+"
PAGES = [
    # Signed out
    _p("login", None, "/accounts/login/"),
    _p("password-reset", None, "/accounts/password/reset/"),
    _p("portal-link-problem", None, "/portal/l/not-a-real-token/", status=404),
    _p("invite-problem", None, "/invite/not-a-real-token/", status=410),
    # An advisor: their own book, and the error pages
    _p("home-advisor", "advisor1", "/"),
    _p("403", "advisor1", "/firm/people/", status=403),
    _p("404", "advisor1", "/book/accounts/999999999/", status=404),
    # The firm administrator sees (nearly) everything
    _p("home", "admin", "/"),
    _p("drifted", "admin", "/drift/"),
    _link("account-drift", "admin", "/drift/", rf"^/drift/accounts/{N}/$"),
    _link("account-settings", "admin", "/drift/", rf"^/drift/accounts/{N}/$"),
    _p("proposals", "admin", "/proposals/"),
    _link("proposal", "admin", "/proposals/", rf"^/drift/proposals/{N}/$"),
    _p("harvests", "admin", "/drift/harvests/"),
    _p("approvals-pending", "admin", "/approvals/"),
    _p("approvals-all", "admin", "/approvals/all/"),
    _p("approvals-decided", "admin", "/approvals/all/?status=approved"),
    _link("approval", "admin", "/approvals/all/", rf"^/approvals/{N}/$"),
    _link("approval-decided", "admin", "/approvals/all/?status=approved", rf"^/approvals/{N}/$"),
    _p("approval-rules", "admin", "/approvals/rules/"),
    _p("approval-rule-new", "admin", "/approvals/rules/new/"),
    _link("approval-rule", "admin", "/approvals/rules/", rf"^/approvals/rules/{N}/$"),
    _p("approval-settings", "admin", "/approvals/settings/"),
    _p("accounts", "admin", "/book/accounts/"),
    _link("account", "admin", "/book/accounts/", rf"^/book/accounts/{N}/$"),
    _p("custodians", "admin", "/book/custodians/"),
    _link("custodian", "admin", "/book/custodians/", rf"^/book/custodians/{N}/$"),
    _p("import", "admin", "/book/import/"),
    _p("drift-rules", "admin", "/drift/rules/"),
    _p("drift-rule-new", "admin", "/drift/rules/new/"),
    _link("drift-rule", "admin", "/drift/rules/", rf"^/drift/rules/{N}/$"),
    _p("models", "admin", "/drift/models/"),
    _p("model-new", "admin", "/drift/models/new/"),
    _link("model-edit", "admin", "/drift/models/", rf"^/drift/models/{N}/edit/$"),
    _link("model-weights", "admin", "/drift/models/", rf"^/drift/models/{N}/$"),
    _link("model-retire", "admin", "/drift/models/", rf"^/drift/models/{N}/retire/$"),
    _p("outbox", "admin", "/notifications/outbox/"),
    _link("email", "admin", "/notifications/outbox/", rf"^/notifications/outbox/{N}/$"),
    _p("email-templates", "admin", "/notifications/templates/"),
    _link(
        "email-template",
        "admin",
        "/notifications/templates/",
        r"^/notifications/templates/[\w-]+/$",
    ),
    _p("trading", "admin", "/trading/"),
    _p("orders", "admin", "/trading/orders/"),
    _p("dry-run", "admin", "/trading/dry-run/"),
    _link("batch", "admin", "/trading/", rf"^/trading/batches/{N}/$"),
    _p("reconciliation", "admin", "/reconciliation/"),
    _p("reports", "admin", "/reports/"),
    _p("metrics", "admin", "/reports/metrics/"),
    _p("widenings", "admin", "/reports/widenings/"),
    _p("threshold-review", "admin", "/reports/threshold-review/"),
    _p("people", "admin", "/firm/people/"),
    _p("api-tokens", "admin", "/firm/api-tokens/"),
    _p("webhooks", "admin", "/webhooks/"),
    _p("webhook-new", "admin", "/webhooks/new/"),
    _p("webhook-deliveries", "admin", "/webhooks/deliveries/"),
    _link("webhook", "admin", "/webhooks/", rf"^/webhooks/{N}/$"),
    _link("webhook-delivery", "admin", "/webhooks/deliveries/", rf"^/webhooks/deliveries/{N}/$"),
    _p("security", "admin", "/accounts/2fa/"),
    _p("security-totp", "admin", "/accounts/2fa/totp/activate/"),
    _p("password-change", "admin", "/accounts/password/change/"),
    _p("sign-out", "admin", "/accounts/logout/"),
    _p("admin-site", "admin", "/admin/"),
    # Swagger UI (drf-spectacular's sidecar) draws each operation's summary as a button inside
    # its own expand control: nested-interactive is in the vendor's markup, not ours.
    Page(
        "api-docs",
        "admin",
        path="/api/docs/",
        ready=".swagger-ui .opblock",
        skip_rules=("nested-interactive",),
    ),
    # The compliance officer's queue and review
    _p("compliance-queue", "compliance", "/compliance/"),
    _link(
        "compliance-review",
        "compliance",
        "/compliance/?status=all",
        rf"^/compliance/proposals/{N}/$",
    ),
    _p("compliance-pairs", "compliance", "/compliance/pairs/"),
    _p("compliance-substitutes", "compliance", "/compliance/substitutes/"),
    _p("compliance-rules", "compliance", "/compliance/rules/"),
    _link("compliance-rule", "compliance", "/compliance/rules/", rf"^/compliance/rules/{N}/$"),
    # The client portal
    _p("portal-home", "client1", "/portal/"),
    _link("portal-proposal", "client1", "/portal/", rf"^/portal/proposals/{N}/$"),
    _link("portal-decided", "client1", "/portal/", rf"^/portal/proposals/{N}/$", last=True),
]

# Where the audit follows a link from a page it found by link (a second hop).
SECOND_HOP = {"account-settings": rf"^/drift/accounts/{N}/settings/$"}

FIND_WIDER = """w => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > w + 1)
  .filter(e => !e.closest('.table-wrap, .chart-wrap') || e.matches('.table-wrap, .chart-wrap'))
  .slice(0, 6)
  .map(e => `${e.tagName.toLowerCase()}.${e.className}`
    + ` ${Math.round(e.getBoundingClientRect().right)}px`)"""

LINK_PATHS = "els => els.map(e => e.pathname + e.search)"


def _violation_lines(url, response):
    lines = []
    for v in response["violations"]:
        if v.get("impact") not in BLOCKING:
            continue
        targets = ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:3])
        more = f" (+{len(v['nodes']) - 3} more)" if len(v["nodes"]) > 3 else ""
        lines.append(f"{url}: [{v['impact']}] {v['id']}: {v['help']} -> {targets}{more}")
    return lines


def _channel(color: str) -> list[float]:
    """'rgb(r, g, b)' or '#rrggbb' to linear sRGB channels."""
    if color.startswith("#"):
        values = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    else:
        values = [int(float(x)) for x in re.findall(r"[\d.]+", color)[:3]]
    out = []
    for v in values:
        c = v / 255
        out.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    return out


def contrast(a: str, b: str) -> float:
    la, lb = (0.2126 * r + 0.7152 * g + 0.0722 * b_ for r, g, b_ in map(_channel, (a, b)))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


class Audit:
    """Walks PAGES at one width with one signed-in browser context per login."""

    def __init__(self, browser, base_url, size, shoot):
        self.browser, self.base, self.size, self.shoot = browser, base_url, size, shoot
        self.width, self.height = WIDTHS[size]
        self.axe, self.pages, self.problems, self.seen = Axe(), {}, [], []

    def page_for(self, login):
        if login not in self.pages:
            context = self.browser.new_context(
                viewport={"width": self.width, "height": self.height}, bypass_csp=True
            )
            page = context.new_page()
            if login:
                sign_in(page, self.base, f"{login}@{FIRM}.demo")
            self.pages[login] = page
        return self.pages[login]

    def close(self):
        for page in self.pages.values():
            page.context.close()

    def find(self, page, source, pattern, last=False):
        page.goto(self.base + source)
        paths = page.eval_on_selector_all("a[href]", LINK_PATHS)
        found = [p for p in paths if re.match(pattern, p.split("?")[0])]
        return (found[-1] if last else found[0]) if found else None

    def run(self, pages=PAGES):
        for spec in pages:
            page = self.page_for(spec.login)
            path = spec.path
            if spec.pattern:
                path = self.find(page, spec.source, spec.pattern, spec.last)
                if path and spec.name in SECOND_HOP:
                    path = self.find(page, path, SECOND_HOP[spec.name])
                if not path:
                    self.problems.append(f"{spec.name}: no link like {spec.pattern}")
                    continue
            self.check(page, spec, path)
        self.check_focus_ring(self.page_for("admin"))
        return self.problems

    def check(self, page, spec, path):
        url = self.base + path
        response = page.goto(url)
        page.wait_for_load_state()
        if spec.ready:
            page.wait_for_selector(spec.ready)
        self.seen.append(path)
        if response.status != spec.status:
            self.problems.append(f"{url}: answered {response.status}, not {spec.status}")
        options = {
            "resultTypes": ["violations"],
            "rules": {rule: {"enabled": False} for rule in spec.skip_rules},
        }
        self.problems += _violation_lines(url, self.axe.run(page, options=options).response)
        if self.size == "phone":
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > self.width:
                wider = page.evaluate(FIND_WIDER, self.width)
                self.problems.append(
                    f"{url}: scrolls sideways at {self.width}px ({scroll}px): {wider}"
                )
        self.shoot(page, f"a11y-{spec.name}-{self.size}")

    def check_focus_ring(self, page):
        """axe does not judge focus rings: the header's links must show one that stands out
        from the header's blue (3:1, WCAG 1.4.11)."""
        page.goto(self.base + "/")
        link = page.locator(".topbar nav a").first
        link.focus()
        style = link.evaluate(
            "e => { const s = getComputedStyle(e);"
            " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
        )
        outline_style, outline_width, outline_color = style
        ratio = contrast(outline_color, TOPBAR_BG)
        if outline_style == "none" or outline_width in ("0px", "") or ratio < 3:
            self.problems.append(
                f"header focus ring {outline_style} {outline_width} {outline_color}: "
                f"contrast {ratio:.1f}:1 on {TOPBAR_BG}, needs 3:1"
            )


@pytest.fixture
def webhook_log(demo_book, receiver):  # noqa: F811
    """The demo has no webhook: an endpoint posting to a local receiver, with one delivery
    sent, so the endpoint and delivery pages have something to show."""
    firm = demo_book[FIRM]
    endpoint_for(firm, receiver, description="Redtail CRM")
    with firm_scope(firm):
        webhook_emit(
            firm_id=firm.pk,
            event_type=EventType.RECONCILIATION_BREAK,
            key="a11y",
            data={"account_number": "A-1", "difference": "3.00"},
        )
        for delivery in WebhookDelivery.objects.all():
            webhook_delivery_send(delivery_id=delivery.pk)


@pytest.mark.parametrize("size", list(WIDTHS))
def test_every_page_passes_axe_and_fits(browser, live_server, webhook_log, screenshot, size):
    audit = Audit(browser, live_server.url, size, screenshot)
    try:
        problems = audit.run()
    finally:
        audit.close()
    assert len(audit.seen) == len(PAGES), f"only {len(audit.seen)} of {len(PAGES)} pages audited"
    assert problems == [], f"{len(problems)} accessibility problems at {size} width:\n" + "\n".join(
        problems
    )


def test_contrast_is_computed_as_wcag_does():
    assert round(contrast("#0969da", TOPBAR_BG), 1) == 1.7
    assert round(contrast("#ffffff", "#000000"), 0) == 21
    assert contrast("rgb(255, 255, 255)", TOPBAR_BG) > 8
