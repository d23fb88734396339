"""Advisors and clients of 3 firms browsing the product under gunicorn.

Advisors (advisor1..3@<firm>.demo) open the drift list, the book's account list, an account's
drift page and a proposal page; clients (client1..5@<firm>.demo) open the portal and their
proposals, and approve the ones waiting for them through the portal's real form (CSRF token,
consent box, typed name, the content hash shown) — each waiting approval once, paced evenly
over the run; a client who approved then only browses. Users start signed in
(loadtest/sessions.py), so every request is a page.

Every 200 body is searched for the OTHER firms' markers: their names, their account numbers
(HAR-/SUM-/CED-nnnnn) and their people's e-mail domains. One found is a failure named
"LEAK …" (target 0) and makes Locust exit 2. Redirects are not followed on pages: a redirect
(e.g. to the login page) is a failure.

FastHttpUser (geventhttpclient) keeps the load generator's own CPU low: it shares the two
cores with gunicorn and PostgreSQL.

The server runs as in production (DJANGO_DEBUG=0: Secure cookies, https redirect, HSTS, CSRF
origin checks) behind a TLS-terminating proxy that is not run here: every request carries the
proxy's `X-Forwarded-Proto: https` (settings.SECURE_PROXY_SSL_HEADER), the browser's leg is
https, so the cookie jar sends the Secure session/CSRF cookies (its policy treats this plain
loopback as that https leg), and the approve POST carries the browser's `Origin`."""

import html
import json
import os
import random
import re
import resource
import time
from http.cookiejar import Cookie, DefaultCookiePolicy
from pathlib import Path

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

FIRMS = {
    "harbor": "Harbor Point Advisors",
    "summit": "Summit Ridge Wealth",
    "cedar": "Cedar Lane Partners",
}
SESSIONS = json.loads(Path(os.environ["LOADTEST_SESSIONS"]).read_text())
LEAKS = {"count": 0}
# Approvals: ids claimed by a user (so two users sharing a login never sign the same one),
# ids approved (written to LOADTEST_RESULTS for summary.py to check in the database).
APPROVALS = {"claimed": set(), "approved": [], "failed": [], "started_at": None, "wall_start": None}
READY = (
    json.loads(Path(os.environ["LOADTEST_READY"]).read_text())
    if os.environ.get("LOADTEST_READY")
    else {"waiting": 0}
)


def _seconds(duration: str) -> float:
    """Locust's -t syntax: 90, 90s, 5m, 1h30m."""
    parts = re.findall(r"(\d+)([hms]?)", duration or "")
    return float(sum(int(n) * {"h": 3600, "m": 60}.get(unit, 1) for n, unit in parts)) or 300.0


DURATION = _seconds(os.environ.get("LOADTEST_DURATION", "5m"))


def _markers(slug: str) -> tuple[tuple[str, ...], re.Pattern]:
    """A firm's markers: literal prefixes (cheap `in` tests on every body; a regex alternation
    over an 18 KB page cost Locust ~1.3 ms a response on a core it shares with the server) and
    the exact pattern that confirms a hit."""
    name, prefix = FIRMS[slug], slug[:3].upper()
    return (name, f"{prefix}-", f"@{slug}.demo"), re.compile(
        rf"{re.escape(name)}|\b{prefix}-\d{{5}}\b|@{slug}\.demo\b"
    )


def _leak(text: str, markers) -> str | None:
    literals, pattern = markers
    if any(literal in text for literal in literals):
        found = pattern.search(text)
        return found.group(0) if found else None
    return None


OTHERS = {slug: [(other, _markers(other)) for other in FIRMS if other != slug] for slug in FIRMS}


def approval_due(now: float) -> bool:
    """Approvals start one at a time, evenly over the run: the k-th not before
    start + (k+1)·duration/(waiting+1). Signing renders a PDF; real clients do not all sign in
    the same second."""
    waiting = READY.get("waiting", 0)
    started = len(APPROVALS["claimed"])
    if APPROVALS["started_at"] is None or started >= waiting:
        return False
    return now >= APPROVALS["started_at"] + (started + 1) * DURATION / (waiting + 1)


@events.test_start.add_listener
def _started(environment, **kwargs):
    APPROVALS["started_at"], APPROVALS["wall_start"] = time.monotonic(), time.time()


class _BehindTlsProxy(DefaultCookiePolicy):
    """The browser talks https to the proxy: Secure cookies are sent (over this loopback leg)."""

    def __init__(self):
        super().__init__(secure_protocols=("https", "wss", "http"))


class FirmUser(FastHttpUser):
    abstract = True
    wait_time = between(1, 3)
    default_headers = {"X-Forwarded-Proto": "https"}
    role = ""
    logins = 0

    def on_start(self):
        self.client.cookiejar.set_policy(_BehindTlsProxy())
        self.firm = random.choice(list(FIRMS))
        self.others = OTHERS[self.firm]
        self.email = f"{self.role}{random.randint(1, self.logins)}@{self.firm}.demo"
        # Signed in before the load by loadtest/sessions.py (allauth limits logins per IP).
        self.client.cookiejar.set_cookie(
            Cookie(
                0,
                "sessionid",
                SESSIONS[self.email],
                None,
                False,
                "127.0.0.1",
                False,
                False,
                "/",
                True,
                True,
                None,
                True,
                None,
                None,
                {},
            )
        )
        self.proposals = []

    def page(self, path, name, pattern=None):
        with self.client.get(
            path, name=name, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "") if response.headers else ""
                response.failure(f"status {response.status_code} {where}")
                return ""
            text = response.text
            for other, markers in self.others:
                found = _leak(text, markers)
                if found:
                    LEAKS["count"] += 1
                    response.failure(f"LEAK {other} ({found}) in {self.firm} {self.role}'s {name}")
                    return ""
            if pattern:
                found = sorted(set(re.findall(pattern, text)))
                if found:
                    self.proposals = found
            response.success()
            return text


class Advisor(FirmUser):
    role = "advisor"
    logins = 3
    weight = 3

    def on_start(self):
        super().on_start()
        self.accounts = []

    @task(3)
    def drift(self):
        text = self.page("/drift/", "/drift/")
        self.accounts = (
            sorted(set(re.findall(r'href="(/drift/accounts/\d+/)"', text))) or self.accounts
        )

    @task(2)
    def accounts_list(self):
        self.page("/book/accounts/", "/book/accounts/")

    @task(2)
    def account(self):
        if self.accounts:
            self.page(
                random.choice(self.accounts),
                "/drift/accounts/[id]/",
                r'href="(/drift/proposals/\d+/)"',
            )
        else:
            self.drift()

    @task(3)
    def proposal(self):
        if self.proposals:
            self.page(random.choice(self.proposals), "/drift/proposals/[id]/")
        else:
            self.account()


WAITING = re.compile(r'<section class="card waiting".*?</section>', re.S)


class Client(FirmUser):
    role = "client"
    logins = 5
    weight = 2

    def on_start(self):
        super().on_start()
        self.approved = False

    @task(3)
    def portal(self):
        text = self.page("/portal/", "/portal/", r'href="(/portal/proposals/\d+/)"')
        if text and not self.approved and approval_due(time.monotonic()):
            waiting = WAITING.search(text)
            ids = (
                [int(i) for i in re.findall(r'href="/portal/proposals/(\d+)/"', waiting.group(0))]
                if waiting
                else []
            )
            free = [i for i in ids if i not in APPROVALS["claimed"]]
            if free:
                self.approve(free[0])

    @task(2)
    def proposal(self):
        if self.proposals:
            self.page(random.choice(self.proposals), "/portal/proposals/[id]/")
        else:
            self.portal()

    def approve(self, approval_id: int):
        """Open the proposal, then sign it through the form on that page."""
        APPROVALS["claimed"].add(approval_id)
        self.approved = True  # one approval per simulated client; afterwards it only browses
        text = self.page(f"/portal/proposals/{approval_id}/", "/portal/proposals/[id]/")
        form = re.search(
            r'<form method="post" action="(/portal/proposals/\d+/approve/)".*?</form>', text, re.S
        )
        if not form:
            APPROVALS["failed"].append(approval_id)
            return
        body = form.group(0)
        data = {
            "csrfmiddlewaretoken": re.search(
                r'name="csrfmiddlewaretoken" value="([^"]+)"', body
            ).group(1),
            "content_hash": re.search(r'name="content_hash" value="([^"]+)"', body).group(1),
            "typed_name": html.unescape(
                re.search(r"As on your account: ([^<]+)</span>", body).group(1)
            ).strip(),
            "consent": "on",
        }
        origin = "https://" + self.host.split("://", 1)[-1].rstrip("/")  # as the browser sends it
        with self.client.post(
            form.group(1),
            data=data,
            name="/portal/proposals/[id]/approve/",
            catch_response=True,
            allow_redirects=False,
            headers={"Origin": origin},
        ) as response:
            target = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or not target.endswith(
                f"/portal/proposals/{approval_id}/"
            ):
                response.failure(f"approve: status {response.status_code} {target}")
                APPROVALS["failed"].append(approval_id)
                return
            response.success()
        text = self.page(f"/portal/proposals/{approval_id}/", "/portal/proposals/[id]/")
        if "you approved the proposal" in text and "Signed electronically by" in text:
            APPROVALS["approved"].append(approval_id)
        else:
            APPROVALS["failed"].append(approval_id)


ENV = {}


@events.init.add_listener
def _init(environment, **kwargs):
    ENV["environment"] = environment


@events.quitting.add_listener
def _exit_code(environment, **kwargs):
    if LEAKS["count"]:
        environment.process_exit_code = 2


@events.quit.add_listener
def _results(exit_code, **kwargs):
    """After every user stopped: the figures, failures and approvals, for loadtest/summary.py
    (Locust's CSV is written once a second and can miss the last requests)."""
    stats = ENV["environment"].runner.stats
    entries = sorted(stats.entries.values(), key=lambda e: (e.method != "GET", e.name)) + [
        stats.total
    ]
    pages = [
        {
            "name": e.name if e is not stats.total else "all",
            "method": e.method or "",
            "requests": e.num_requests,
            "failures": e.num_failures,
            "p50": e.get_response_time_percentile(0.5),
            "p95": e.get_response_time_percentile(0.95),
            "p99": e.get_response_time_percentile(0.99),
            "max": e.max_response_time,
            "rps": e.total_rps,
        }
        for e in entries
    ]
    errors = [
        {"method": e.method, "name": e.name, "error": str(e.error), "occurrences": e.occurrences}
        for e in sorted(
            stats.errors.values(), key=lambda e: ("LEAK" not in str(e.error), -e.occurrences)
        )
    ]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results = {
        "pages": pages,
        "errors": errors,
        "leaks": LEAKS["count"],
        "seconds": stats.total.last_request_timestamp - stats.total.start_time,
        "locust_cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "approvals": {
            "approved": APPROVALS["approved"],
            "failed": APPROVALS["failed"],
            "waiting": READY.get("waiting", 0),
            "started": APPROVALS["wall_start"],
            "ended": time.time(),
        },
    }
    if os.environ.get("LOADTEST_RESULTS"):
        Path(os.environ["LOADTEST_RESULTS"]).write_text(json.dumps(results, indent=1))
    print(
        f"cross-firm leaks: {LEAKS['count']}; approvals: {len(APPROVALS['approved'])} made of "
        f"{READY.get('waiting', 0)} "
        f"waiting, failed {APPROVALS['failed']}"
    )
