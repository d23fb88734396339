"""Every page reads as plain English: the demo book (both firms, every role, weeks of scans,
approvals, batches with fills) walked in Chromium by several roles, following the links each
page offers. On every page the visible text (not <code>, which shows machine names on purpose)
has no code where a label belongs (`senior_advisor`, `awaiting_approval`), no amount or quantity
of four digits or more without thousands separators, no "1 accounts", no Python dict, list or
repr, no internal id, no ISO timestamp, one sign convention for money (`-$285.05`) and no
quantity printed with every stored decimal (`1613.000000`)."""

import re
from urllib.parse import urljoin, urlparse

import pytest

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser]

# Who walks, from their first page after signing in. Between them they reach every staff page
# (the firm administrator the set-up pages, compliance the reviews, operations the trading
# pages) and the client portal.
WALKERS = (
    "admin@harbor.demo",
    "advisor1@harbor.demo",
    "compliance@harbor.demo",
    "ops@harbor.demo",
    "client1@harbor.demo",
)
# Pages a walker leaves alone: downloads (CSV, PDF, zip, the email's HTML), the Django admin,
# the API, sign-out and the client's one-time links.
NOT_PAGES = re.compile(
    r"^/(admin|api|accounts|static|media)/|\.(csv|pdf|zip)$|/csv/$|/pdf/$|/html/$|/evidence/"
    r"|/portal/l/|/metrics$|/healthz|/readyz"
)
SAME_SHAPE_MAX = 2  # pages per URL shape (/drift/proposals/<n>/): two show the template's text

# The visible text of <main> without <code>/<pre>/<kbd>/<samp> (machine names shown as such) and
# the import page's format reference (the CSV files' column names, which are codes by design).
VISIBLE_TEXT = """() => {
  const main = (document.querySelector('main') || document.body).cloneNode(true);
  main.querySelectorAll('code, pre, kbd, samp, script, style, [aria-labelledby="formats"]')
    .forEach(e => e.remove());
  main.style.position = 'absolute';
  document.body.appendChild(main);
  const text = main.innerText;
  main.remove();
  return text;
}"""

FILE_NAME = re.compile(r"\b\w+\.csv\b")
PROBLEMS = {
    "a code where a label belongs": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "a figure of 4+ digits without thousands separators": re.compile(
        # not an account's last four digits ("ending 0002", "••••0002") nor a hash or a code
        r"(?<![\w.,•#/:-])(?<!ending )\$?-?\d{4,}(?:\.\d+)?(?![\w•/:-])"
    ),
    "a wrong plural after 1": re.compile(
        r"(?<![\d.,$])\b1 (?!(?:has|was|does|goes|yes|its)\b)[a-z]*[^\Wsui]s\b"
    ),
    "a Python dict, list or repr": re.compile(
        r"Decimal\(|\{'|'\}|\['|'\]|\[\]|\{\}|<\w+ object at|QuerySet|datetime\.|"
        r"(?:^|\t|: )(?:None|True|False)(?=$|\t|,)"
    ),
    "an internal id": re.compile(r"(?<![&\w])#\d+|\bid=\d|\bpk\b"),
    "an ISO timestamp": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\d\d:\d\d:\d\d\.\d+|\+00:00"),
    "money signed the other way ($-5, ($5))": re.compile(r"\$-\d|\(\$[\d,.]+\)(?!:)"),
    "every stored decimal of a figure": re.compile(r"\d\.\d{5,}\b"),
}
YEAR = re.compile(r"(?:19|20)\d\d")


def _problems(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        bare = FILE_NAME.sub("", line)
        for what, pattern in PROBLEMS.items():
            for m in pattern.finditer(bare):
                if what.startswith("a figure") and YEAR.fullmatch(m.group(0)):
                    continue  # a year ("Dec 4, 2026")
                found.append(f"{what}: {m.group(0)!r} in “{line.strip()[:160]}”")
    return found


def _walk(page, base_url: str, start: str) -> dict[str, str]:
    """Every page reachable by links from `start`, at most SAME_SHAPE_MAX per URL shape."""
    queue, seen, shapes, texts = [start], set(), {}, {}
    while queue:
        path = queue.pop(0)
        shape = re.sub(r"\d+", "N", path)
        if path in seen or shapes.get(shape, 0) >= SAME_SHAPE_MAX:
            continue
        seen.add(path)
        response = page.goto(base_url + path)
        if (
            response is None
            or response.status != 200
            or "html" not in response.headers.get("content-type", "")
        ):
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        texts[path] = page.evaluate(VISIBLE_TEXT)
        for href in page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
            url = urlparse(urljoin(page.url, href))
            if url.netloc == urlparse(base_url).netloc and not NOT_PAGES.search(url.path):
                queue.append(url.path)
    return texts


def test_every_page_a_role_reaches_reads_as_plain_english(demo_book, live_server, page_at):
    page = page_at(width=1366, height=900)
    report, walked = [], 0
    for email in WALKERS:
        page.context.clear_cookies()
        sign_in(page, live_server.url, email)
        texts = _walk(page, live_server.url, urlparse(page.url).path)
        walked += len(texts)
        assert len(texts) >= (3 if email.startswith("client") else 15), (
            f"{email} reached only {sorted(texts)}"
        )
        for path, text in texts.items():
            report += [f"{email} {path}: {p}" for p in _problems(text)]
    assert walked > 100
    assert not report, f"{len(report)} problems:\n" + "\n".join(report)


@pytest.mark.parametrize(
    "text",
    [
        "Step\tsenior_advisor\t22",
        "Value\t$14742.68",
        "CASH\tCash (sweep)\t14742.68\t$1.00",
        "Orders: 1 accounts",
        "proposals: {'failed': 0}",
        "Total\tNone\t",
        "Proposal 45 held (#45)",
        "at 2026-12-04T22:10:00+00:00",
        "Change\t$-257.19",
        "VWO\tSell\t1613.000000",
    ],
)
def test_the_checks_catch_what_they_name(text):
    """Each check fires on the text it exists for (a check that never fires guards nothing)."""
    assert _problems(text)


@pytest.mark.parametrize(
    "text",
    [
        "Senior advisor review\t22\t$1,234.56\t-$285.05 (-0.09%)",
        "Account ending 1234 · HAR-00012 · ••••1234 · Dec 4, 2026 9:45 AM EST",
        "1 account, 1 class, 1 is tried first, 2 accounts",
        "Also by file: drift_rules.csv on the import page. None yet.",
        "sell VOO ($28,421.91): wash-sale window · 10.239 pp · 1.0000",
    ],
)
def test_the_checks_pass_plain_english(text):
    assert _problems(text) == []
