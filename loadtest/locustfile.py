"""Issue 10 item 12: advisors and clients of 3 firms browsing the product under gunicorn.

Advisors (advisor1..3@<firm>.demo) open the drift list, the book's account list and a proposal
page; clients (client1..5@<firm>.demo) open the portal and one of their proposals. Every
response is checked for the OTHER firms' names: one found is a failure named "LEAK …" (target
0). Users start signed in (loadtest/sessions.py), so every request is a page."""
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, events, task

FIRMS = {"harbor": "Harbor Point Advisors", "summit": "Summit Ridge Wealth", "cedar": "Cedar Lane Partners"}
LEAKS = {"count": 0}
SESSIONS = json.loads(Path(os.environ["LOADTEST_SESSIONS"]).read_text())


class FirmUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    role = ""
    logins = 0

    def on_start(self):
        self.firm = random.choice(list(FIRMS))
        self.others = [name for slug, name in FIRMS.items() if slug != self.firm]
        self.email = f"{self.role}{random.randint(1, self.logins)}@{self.firm}.demo"
        # Signed in before the load by loadtest/sessions.py (allauth limits logins per IP).
        self.client.cookies.set("sessionid", SESSIONS[self.email], domain="127.0.0.1", path="/")
        self.proposals = []

    def page(self, path, name, pattern=None):
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return ""
            if "/accounts/login/" in response.url:
                response.failure("sent to login")
                return ""
            for other in self.others:
                if other in response.text:
                    LEAKS["count"] += 1
                    response.failure(f"LEAK {other} in {self.firm} {self.role}'s {name}")
                    return ""
            if pattern:
                found = sorted(set(re.findall(pattern, response.text)))
                if found:
                    self.proposals = found
            response.success()
            return response.text


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
        self.accounts = sorted(set(re.findall(r'href="(/drift/accounts/\d+/)"', text))) or self.accounts

    @task(2)
    def accounts_list(self):
        self.page("/book/accounts/", "/book/accounts/")

    @task(2)
    def account(self):
        if self.accounts:
            self.page(random.choice(self.accounts), "/drift/accounts/[id]/", r'href="(/drift/proposals/\d+/)"')
        else:
            self.drift()

    @task(3)
    def proposal(self):
        if self.proposals:
            self.page(random.choice(self.proposals), "/drift/proposals/[id]/")
        else:
            self.account()


class Client(FirmUser):
    role = "client"
    logins = 5
    weight = 2

    @task(3)
    def portal(self):
        self.page("/portal/", "/portal/", r'href="(/portal/proposals/\d+/)"')

    @task(2)
    def proposal(self):
        if self.proposals:
            self.page(random.choice(self.proposals), "/portal/proposals/[id]/")
        else:
            self.portal()


@events.quitting.add_listener
def _report(environment, **kwargs):
    print(f"cross-firm leaks: {LEAKS['count']}")
    if LEAKS["count"]:
        environment.process_exit_code = 2
