"""Notifications fixtures: a real proposal, a recorder for queued sends, a tiny SMTP server."""

import socketserver
import threading
from datetime import date

import pytest

from drift.models import Proposal
from drift.services.scan import drift_scan_run
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from tests.factories import make_book

DAY = date(2026, 11, 24)


def scanned_proposal(firm, advisor=None) -> Proposal:
    """A 60/40 book held at 66/34 in a conservative (5-point) segment: the scan proposes."""
    with firm_scope(firm):
        make_book(firm, accounts=1, advisor=advisor)
        pm.Account.objects.update(segment="conservative")
        drift_scan_run(firm_id=firm.pk, as_of=DAY)
        return Proposal.objects.select_related("account__client").get()


@pytest.fixture
def proposal_a(firm_a, members_a):
    return scanned_proposal(firm_a, advisor=members_a["advisor"])


@pytest.fixture
def queued(monkeypatch):
    """Sends scheduled after commit are recorded here instead of going to the broker."""
    from notifications import tasks

    calls = []
    monkeypatch.setattr(tasks.outbound_message_send_task, "delay", lambda **kw: calls.append(kw))
    return calls


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: MAIL FROM answers whatever the test sets."""

    def reply(self, line: str):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 test-smtp ready")
        data, lines = False, []
        for raw in self.rfile:
            if data:
                if raw == b".\r\n":
                    self.server.received.append(b"".join(lines))
                    data, lines = False, []
                    self.reply("250 2.0.0 queued")
                else:
                    lines.append(raw)
                continue
            verb = raw[:4].upper()
            if verb == b"QUIT":
                return self.reply("221 bye")
            self.reply(
                {
                    b"EHLO": "250 test-smtp",
                    b"HELO": "250 test-smtp",
                    b"MAIL": self.server.mail_reply,
                    b"DATA": "354 go ahead",
                }.get(verb, "250 OK")
            )
            data = verb == b"DATA"


class SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.received: list[bytes] = []
        self.mail_reply = "250 OK"


@pytest.fixture
def smtp_server(settings):
    server = SMTPServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.server_address[1]
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.shutdown()
    server.server_close()
