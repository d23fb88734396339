"""A real Celery worker process on the real Redis broker runs a firm task in the firm's scope."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from firms.services.tenancy import firm_scope
from portfolios.tasks import firm_summary
from tests.factories import make_book

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _test_database_url() -> str:
    db = connection.settings_dict
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER']}@{host}{port}/{db['NAME']}"


@pytest.fixture
def worker():
    queue = f"test-{os.getpid()}"
    env = dict(
        os.environ,
        DATABASE_URL=_test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        DJANGO_DEBUG="1",
        CELERY_TASK_DEFAULT_QUEUE=queue,  # what the worker's tasks publish stays with it
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "rebalance_site",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(1)
    yield queue
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_a_real_worker_runs_a_firm_task_inside_that_firms_scope(worker, firm_a, firm_b):
    with firm_scope(firm_a):
        make_book(firm_a, accounts=2)
    with firm_scope(firm_b):
        make_book(firm_b, accounts=5)
    # Results are off by default (CELERY_TASK_IGNORE_RESULT); this test asks for them.
    result_a = firm_summary.apply_async(
        kwargs={"firm_id": firm_a.pk}, queue=worker, ignore_result=False
    )
    result_b = firm_summary.apply_async(
        kwargs={"firm_id": firm_b.pk}, queue=worker, ignore_result=False
    )
    assert result_a.get(timeout=60)["accounts"] == 2
    assert result_b.get(timeout=60)["accounts"] == 5


def test_a_firm_task_without_a_firm_is_refused_by_the_worker(worker, firm_a):
    from rebalance_site.celery import app

    result = app.send_task(
        "portfolios.tasks.firm_summary", kwargs={}, queue=worker, ignore_result=False
    )  # skips the caller's check
    with pytest.raises(TypeError, match="needs firm_id"):
        result.get(timeout=60)


def test_a_clients_signature_gets_its_pdf_from_the_real_worker(worker, firm_a, monkeypatch):
    """The signature commits in the request; the task enqueued after that commit renders the PDF."""
    from django.utils import timezone

    from approvals.models import Approval, Signature
    from approvals.services import approval_client_approve, approvals_start
    from approvals.services.decisions import Evidence
    from approvals.tasks import approvals_signature_pdf
    from tests.approvals.helpers import checked, route_emails_to
    from tests.reliability.waiting import wait_until

    monkeypatch.setattr(
        "approvals.services.notify._deliver", lambda **kw: None
    )  # emails are not this test's subject
    route_emails_to(monkeypatch, lambda **kw: None)
    task = (
        approvals_signature_pdf._get_current_object()
    )  # published to this test's worker, not the shared default queue
    monkeypatch.setattr(task, "_exec_options", {**task._get_exec_options(), "queue": worker})
    checked(firm_a, value="50000.00")
    with firm_scope(firm_a):
        approvals_start(firm_id=firm_a.pk, now=timezone.now())
        approval = Approval.objects.select_related("proposal__account__client__user").get()
        client = approval.proposal.account.client
        approval_client_approve(
            approval_id=approval.pk,
            user=client.user,
            now=timezone.now(),
            evidence=Evidence(
                typed_name=client.name,
                ip_address="127.0.0.1",
                user_agent="pytest",
                auth_method="password",
                shown_hash=approval.content_hash,
            ),
        )

    def rendered() -> bool:
        with firm_scope(firm_a):
            return bool(Signature.objects.get().pdf)

    assert wait_until(rendered, 60, step=0.5), "the worker did not render the signed PDF"
    with firm_scope(firm_a):
        signature = Signature.objects.get()
        assert signature.pdf.read().startswith(b"%PDF") and len(signature.pdf_sha256) == 64
