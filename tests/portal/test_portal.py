"""The client portal: links (GET never decides; replay, expiry, new version, foreign), the
review page, the e-signature POST with CSRF, and isolation between clients and firms."""

import re
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from approvals.models import Approval, LinkKey, PortalLink, Signature
from approvals.services import approvals_start
from approvals.services.signed_pdf import signature_pdf_store
from drift.models import Proposal
from drift.services.transitions import proposals_supersede_open
from firms.services.tenancy import firm_scope
from tests.approvals.helpers import checked

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def routed(firm_a, sent):
    book, ids = checked(firm_a, n=2, value="50000.00")
    with firm_scope(firm_a):
        approvals_start(firm_id=firm_a.pk, now=timezone.now())
        approvals = list(
            Approval.objects.select_related("proposal__account__client__user").order_by("pk")
        )
    links = {m["approval"]: m["link"] for m in sent if m["kind"] == "proposal"}
    return approvals, links


def _path(url):
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def _sign(client, approval, **kw):
    data = {
        "consent": "on",
        "typed_name": approval.proposal.account.client.name,
        "content_hash": approval.content_hash,
        **kw,
    }
    return client.post(
        f"/portal/proposals/{approval.pk}/approve/",
        data,
        HTTP_USER_AGENT="pytest-agent",
        follow=True,
    )


def test_links_are_long_random_and_stored_only_hashed(routed):
    approvals, links = routed
    token = links[approvals[0].pk].rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes, url-safe base64
    with firm_scope(approvals[0].firm_id):
        stored = list(PortalLink.objects.values_list("token_hash", flat=True)) + list(
            LinkKey.objects.values_list("token_hash", flat=True)
        )
    assert token not in stored and all(len(h) == 64 for h in stored)
    assert links[approvals[0].pk].startswith(
        "http://127.0.0.1:8000/portal/l/"
    )  # settings.SITE_URL, not Host


def test_opening_the_link_signs_in_and_shows_the_proposal_but_decides_nothing(routed, client):
    approvals, links = routed
    response = client.get(_path(links[approvals[0].pk]), HTTP_HOST="evil.example")
    assert response.status_code == 400  # a poisoned Host is refused by ALLOWED_HOSTS
    response = client.get(_path(links[approvals[0].pk]), follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "Your decision is needed by" in page
    assert (
        "VTI" in page
        and "<svg" in page
        and "Estimated tax" in page
        and "Earlier rebalances" in page
    )
    with firm_scope(approvals[0].firm_id):
        assert Proposal.objects.filter(status="awaiting_approval").count() == 2
    assert (
        client.get(_path(links[approvals[0].pk]), follow=True).status_code == 200
    )  # a scanner's second GET: same


def test_the_decision_needs_a_csrf_token(routed):
    approvals, links = routed
    browser = HttpClient(enforce_csrf_checks=True)
    browser.get(_path(links[approvals[0].pk]))
    response = _sign(browser, approvals[0])
    assert response.status_code == 403
    with firm_scope(approvals[0].firm_id):
        assert not Signature.objects.exists()


def test_a_client_signs_from_the_link_and_a_replay_changes_nothing(routed, client):
    approvals, links = routed
    client.get(_path(links[approvals[0].pk]))
    wrong = _sign(client, approvals[0], typed_name="Someone Else")
    assert (
        wrong.status_code == 400 and "Type your full name as it appears" in wrong.content.decode()
    )
    page = _sign(client, approvals[0]).content.decode()
    assert (
        "you approved the proposal" in page
        and "being prepared" in page
        and "Download your signed copy" not in page
    )
    with firm_scope(approvals[0].firm_id):
        sig = Signature.objects.get()
        assert (sig.auth_method, sig.user_agent, sig.ip_address) == (
            "email_link",
            "pytest-agent",
            "127.0.0.1",
        )
        assert (
            signature_pdf_store(sig.pk) is True
        )  # what the worker does once the signature commits
    page = client.get(f"/portal/proposals/{approvals[0].pk}/").content.decode()
    assert "Download your signed copy" in page and "being prepared" not in page
    again = _sign(client, approvals[0]).content.decode()
    assert "already approved" in again
    replay = HttpClient().get(_path(links[approvals[0].pk]))
    assert replay.status_code == 410 and "already approved" in replay.content.decode()
    with firm_scope(approvals[0].firm_id):
        assert Signature.objects.count() == 1


def test_decline_with_a_reason(routed, client):
    approvals, links = routed
    client.get(_path(links[approvals[1].pk]))
    page = client.post(
        f"/portal/proposals/{approvals[1].pk}/decline/", {"reason": "Not now"}, follow=True
    ).content.decode()
    assert "You declined the proposal" in page
    with firm_scope(approvals[1].firm_id):
        assert Approval.objects.get(pk=approvals[1].pk).reason == "Not now"


def test_expired_superseded_unknown_and_foreign_links_say_so(routed, client):
    approvals, links = routed
    with firm_scope(approvals[0].firm_id):
        Approval.objects.filter(pk=approvals[0].pk).update(
            deadline=timezone.now() - timedelta(seconds=1)
        )
        PortalLink.objects.filter(approval=approvals[0]).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        proposals_supersede_open(account_ids=[approvals[1].proposal.account_id], reason="v2")
    expired = HttpClient().get(_path(links[approvals[0].pk]))
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    superseded = HttpClient().get(_path(links[approvals[1].pk]))
    assert superseded.status_code == 410 and "newer version" in superseded.content.decode()
    unknown = HttpClient().get("/portal/l/" + "A" * 43 + "/")
    assert unknown.status_code == 404 and "not valid" in unknown.content.decode()


def test_a_link_opened_while_another_client_is_signed_in_changes_nothing(routed, client):
    approvals, links = routed
    client.force_login(
        approvals[1].proposal.account.client.user,
        backend="django.contrib.auth.backends.ModelBackend",
    )
    response = client.get(_path(links[approvals[0].pk]))
    assert response.status_code == 403 and "sent to someone else" in response.content.decode()


def test_another_clients_and_another_firms_proposals_are_404(routed, firm_b, client):
    approvals, links = routed
    _, ids_b = checked(firm_b, value="50000.00")
    with firm_scope(firm_b):
        approvals_start(firm_id=firm_b.pk, now=timezone.now())
        other_firm = Approval.objects.get().pk
    client.force_login(
        approvals[1].proposal.account.client.user,
        backend="django.contrib.auth.backends.ModelBackend",
    )
    for pk in (approvals[0].pk, other_firm):
        assert client.get(f"/portal/proposals/{pk}/").status_code == 404
        assert client.post(f"/portal/proposals/{pk}/approve/", {"consent": "on"}).status_code == 404
        assert client.post(f"/portal/proposals/{pk}/decline/", {}).status_code == 404
        assert client.get(f"/portal/proposals/{pk}/signed.pdf").status_code == 404
    with firm_scope(approvals[0].firm_id):
        assert (
            not Signature.objects.exists()
            and Approval.objects.filter(status="pending").count() == 2
        )


def test_the_signed_pdf_opens_and_shows_trades_and_the_signature(routed, client, tmp_path):
    approvals, links = routed
    client.get(_path(links[approvals[0].pk]))
    _sign(client, approvals[0])
    assert (
        client.get(f"/portal/proposals/{approvals[0].pk}/signed.pdf").status_code == 404
    )  # not rendered yet
    with firm_scope(approvals[0].firm_id):
        assert signature_pdf_store(Signature.objects.get().pk) is True
    response = client.get(f"/portal/proposals/{approvals[0].pk}/signed.pdf")
    pdf = b"".join(response.streaming_content)
    assert response.status_code == 200 and pdf.startswith(b"%PDF")
    (tmp_path / "signed.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "signed.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "Electronic signature" in text and approvals[0].proposal.account.client.name in text
    assert (
        re.search(r"(Buy|Sell)\s", text)
        and "VTI" in text
        and approvals[0].content_hash[:32] in text.replace("\n", "")
    )
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(tmp_path / "signed.pdf"),
            str(ARTIFACTS / "signed-proposal-page1"),
        ],
        check=True,
    )
    assert (ARTIFACTS / "signed-proposal-page1.png").stat().st_size > 10_000


def test_a_signed_pdf_that_failed_to_render_is_rendered_by_the_sweep_later(
    routed, client, monkeypatch
):
    from approvals.services import signed_pdf
    from approvals.services.sweep import approvals_sweep

    approvals, links = routed
    real = signed_pdf.signature_pdf_bytes

    def broken(signature):
        raise OSError("fonts unavailable")

    monkeypatch.setattr(signed_pdf, "signature_pdf_bytes", broken)
    client.get(_path(links[approvals[0].pk]))
    assert _sign(client, approvals[0]).status_code == 200  # the signature stands without its PDF
    firm_id = approvals[0].firm_id
    with firm_scope(firm_id):
        signature = Signature.objects.get(approval=approvals[0])
        assert signature_pdf_store(signature.pk) is False  # the worker's attempt fails
        signature.refresh_from_db()
        assert not signature.pdf
        monkeypatch.setattr(signed_pdf, "signature_pdf_bytes", real)
        assert (
            approvals_sweep(firm_id=firm_id, now=signature.signed_at + timedelta(minutes=1)).pdfs
            == []
        )  # the task's turn
        assert approvals_sweep(
            firm_id=firm_id, now=signature.signed_at + timedelta(minutes=3)
        ).pdfs == [signature.pk]
        signature.refresh_from_db()
        assert signature.pdf.read().startswith(b"%PDF") and len(signature.pdf_sha256) == 64
        assert (
            approvals_sweep(firm_id=firm_id, now=signature.signed_at + timedelta(minutes=4)).pdfs
            == []
        )  # once
    assert client.get(f"/portal/proposals/{approvals[0].pk}/signed.pdf").status_code == 200


def test_a_realised_loss_reads_as_minus_dollars(routed, client):
    approvals, links = routed
    with firm_scope(approvals[0].firm_id):
        Proposal.objects.filter(pk=approvals[0].proposal_id).update(
            realised_st=Decimal("186.40"),
            realised_lt=Decimal("-285.05"),
            est_tax=Decimal("-1513.64"),
        )
    client.get(_path(links[approvals[0].pk]))
    page = client.get(f"/portal/proposals/{approvals[0].pk}/").content.decode()
    assert (
        'short-term $186.40, long-term -$285.05 <span class="muted">(a minus is a loss)' in page
        and "$-" not in page
    )
    assert "<dd>$1,513.64 saved (losses harvested)</dd>" in page
    with firm_scope(approvals[0].firm_id):
        Proposal.objects.filter(pk=approvals[0].proposal_id).update(realised_lt=Decimal("5.00"))
    page = client.get(f"/portal/proposals/{approvals[0].pk}/").content.decode()
    assert "short-term $186.40, long-term $5.00</dd>" in page and "a minus is a loss" not in page
